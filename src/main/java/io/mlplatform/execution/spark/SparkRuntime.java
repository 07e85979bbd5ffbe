package io.mlplatform.execution.spark;

import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The node's SparkSession, started on first use (a cold start costs seconds: never on a request path) and reading and
 * writing the object store through s3a, so the same job runs on a Spark cluster reading MinIO.
 */
public final class SparkRuntime implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SparkRuntime.class);

  private final String master;
  private final Map<String, String> conf;
  private final String s3Endpoint;
  private final String accessKey;
  private final String secretKey;
  private SparkSession session;
  private final TaskCounter tasks = new TaskCounter();

  /** Tasks done and known so far, by job group (an execution's id), from Spark's listener bus. */
  static final class TaskCounter extends org.apache.spark.scheduler.SparkListener {
    private final java.util.Map<Integer, String> stageGroups = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Map<String, long[]> counts = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public void onStageSubmitted(org.apache.spark.scheduler.SparkListenerStageSubmitted submitted) {
      String group = submitted.properties() == null ? null : submitted.properties().getProperty("spark.jobGroup.id");
      if (group == null) {
        return;
      }
      long[] count = counts.computeIfAbsent(group, g -> new long[2]);
      stageGroups.put(submitted.stageInfo().stageId(), group);
      synchronized (count) {
        count[1] += submitted.stageInfo().numTasks();
      }
    }

    @Override
    public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd task) {
      String group = stageGroups.get(task.stageId());
      long[] count = group == null ? null : counts.get(group);
      if (count != null) {
        synchronized (count) {
          count[0]++;
        }
      }
    }

    long[] of(String group) {
      long[] count = counts.get(group);
      if (count == null) {
        return new long[]{0, 0};
      }
      synchronized (count) {
        return count.clone();
      }
    }

    void forget(String group) {
      counts.remove(group);
      stageGroups.values().removeIf(group::equals);
    }
  }

  /** {done, total} Spark tasks of an execution so far (the total grows as its stages are submitted). */
  public long[] tasks(String group) {
    return tasks.of(group);
  }

  public void forgetTasks(String group) {
    tasks.forget(group);
  }

  /**
   * {@code conf}: further Spark properties (Settings.sparkConf). On a cluster (a master that is not local) without
   * spark.jars, the executors get the jar this class was loaded from, when it is one: the platform's shaded jar
   * carries its own classes (the ONNX and PMML scoring functions), onnxruntime, pmml4s and s3a.
   */
  public SparkRuntime(String master, Map<String, String> conf, String s3Endpoint, String accessKey, String secretKey) {
    this.master = master;
    this.conf = new TreeMap<>(conf);
    if (!master.startsWith("local") && !this.conf.containsKey("spark.jars")) {
      ownJar().ifPresent(jar -> this.conf.put("spark.jars", jar));
    }
    this.s3Endpoint = s3Endpoint;
    this.accessKey = accessKey;
    this.secretKey = secretKey;
  }

  /** The session, started now if it was not (blocking: call it from a worker thread). */
  public synchronized SparkSession session() {
    if (session == null) {
      long start = System.nanoTime();
      // a job thread of an earlier session in this JVM (a node stopped while a job read its input) may have cached
      // an s3a client for the old endpoint after that session dropped the cache: it would serve this session too
      closeCachedFileSystems();
      SparkSession.Builder builder = SparkSession.builder();
      conf.forEach(builder::config);
      session = builder
          .appName("mlplatform")
          .master(master)
          .config("spark.ui.enabled", "false")
          // in this JVM only: a cluster's executors start their metrics before they load the platform's jar, and
          // have the servlet API Spark's own servlet needs
          .config("spark.metrics.conf." + (master.startsWith("local") ? "*" : "driver") + ".sink.servlet.class",
              NoHandlersMetricsServlet.class.getName())
          .config("spark.sql.shuffle.partitions", "4")
          // constraint inference over a wide plan (casts, a null filter on every feature, a split) builds millions
          // of expressions and exhausts the heap from ~30 columns on; no platform plan needs it
          .config("spark.sql.constraintPropagation.enabled", "false")
          .config("spark.sql.runSQLOnFiles", "false")
          .config("spark.hadoop.fs.s3a.endpoint", s3Endpoint)
          .config("spark.hadoop.fs.s3a.endpoint.region", "us-east-1")
          .config("spark.hadoop.fs.s3a.path.style.access", "true")
          .config("spark.hadoop.fs.s3a.connection.ssl.enabled", String.valueOf(s3Endpoint.startsWith("https")))
          .config("spark.hadoop.fs.s3a.aws.credentials.provider",
              "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider")
          .config("spark.hadoop.fs.s3a.access.key", accessKey)
          .config("spark.hadoop.fs.s3a.secret.key", secretKey)
          .getOrCreate();
      session.sparkContext().addSparkListener(tasks);
      LOG.info("Spark session on {} started in {} ms: application {}", master, (System.nanoTime() - start) / 1_000_000,
          session.sparkContext().applicationId());
    }
    return session;
  }

  /** The jar this class was loaded from, if it was loaded from a jar (not from a build's classes directory). */
  private static Optional<String> ownJar() {
    try {
      java.security.CodeSource source = SparkRuntime.class.getProtectionDomain().getCodeSource();
      Path path = source == null ? null : Path.of(source.getLocation().toURI());
      return path != null && Files.isRegularFile(path) && path.toString().endsWith(".jar")
          ? Optional.of(path.toAbsolutePath().toString()) : Optional.empty();
    } catch (Exception e) {
      return Optional.empty();
    }
  }

  public synchronized boolean started() {
    return session != null;
  }

  /**
   * Stops the session and drops Hadoop's JVM-wide cache of file systems: a cached s3a client would keep this node's
   * endpoint and credentials for the next session started in the same JVM.
   */
  @Override
  public synchronized void close() {
    if (session != null) {
      session.stop();
      session = null;
      closeCachedFileSystems();
    }
  }

  private static void closeCachedFileSystems() {
    try {
      org.apache.hadoop.fs.FileSystem.closeAll();
    } catch (java.io.IOException e) {
      LOG.warn("closing cached file systems failed", e);
    }
  }
}
