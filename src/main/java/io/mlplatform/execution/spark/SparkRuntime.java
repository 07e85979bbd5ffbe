package io.mlplatform.execution.spark;

import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's SparkSession, started on first use (a cold start costs seconds: never on a request path) and reading and
 * writing the object store through s3a, so the same job runs on a Spark cluster reading MinIO.
 */
public final class SparkRuntime implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SparkRuntime.class);

  private final String master;
  private final String s3Endpoint;
  private final String accessKey;
  private final String secretKey;
  private SparkSession session;

  public SparkRuntime(String master, String s3Endpoint, String accessKey, String secretKey) {
    this.master = master;
    this.s3Endpoint = s3Endpoint;
    this.accessKey = accessKey;
    this.secretKey = secretKey;
  }

  /** The session, started now if it was not (blocking: call it from a worker thread). */
  public synchronized SparkSession session() {
    if (session == null) {
      long start = System.nanoTime();
      session = SparkSession.builder()
          .appName("mlplatform")
          .master(master)
          .config("spark.ui.enabled", "false")
          .config("spark.metrics.conf.*.sink.servlet.class", NoHandlersMetricsServlet.class.getName())
          .config("spark.sql.shuffle.partitions", "4")
          .config("spark.hadoop.fs.s3a.endpoint", s3Endpoint)
          .config("spark.hadoop.fs.s3a.endpoint.region", "us-east-1")
          .config("spark.hadoop.fs.s3a.path.style.access", "true")
          .config("spark.hadoop.fs.s3a.connection.ssl.enabled", String.valueOf(s3Endpoint.startsWith("https")))
          .config("spark.hadoop.fs.s3a.aws.credentials.provider",
              "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider")
          .config("spark.hadoop.fs.s3a.access.key", accessKey)
          .config("spark.hadoop.fs.s3a.secret.key", secretKey)
          .getOrCreate();
      LOG.info("Spark session on {} started in {} ms", master, (System.nanoTime() - start) / 1_000_000);
    }
    return session;
  }

  public synchronized boolean started() {
    return session != null;
  }

  @Override
  public synchronized void close() {
    if (session != null) {
      session.stop();
      session = null;
    }
  }
}
