package io.mlplatform.execution.deployments;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.mlplatform.formats.Inspection;
import io.mlplatform.formats.TabularFiles;
import io.mlplatform.formats.TabularFormat;
import io.mlplatform.mcp.ErrorCode;
import io.mlplatform.mcp.McpException;
import io.mlplatform.runtime.Rows;
import io.mlplatform.runtime.Tensor;
import io.mlplatform.storage.ObjectStore;
import io.mlplatform.storage.StoredObject;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;

/**
 * One deployment's prediction log on this node: a sampled share of its requests (inputs, outputs, version, lane,
 * latency, time), one JSON Lines row per predicted row, appended to the dataset {@code <deployment>-predictions} as a
 * new version every roll (by time or rows). The serving thread only offers to a bounded queue; a full queue drops
 * the request and counts it. Writing and registering happen on a worker thread, one roll at a time.
 */
final class PredictionLog {
  private static final Logger LOG = LoggerFactory.getLogger(PredictionLog.class);
  static final int DEFAULT_ROLL_SECONDS = 60;
  static final int DEFAULT_ROLL_ROWS = 10_000;
  /** Requests waiting to be written at most: past it they are dropped (and counted), never waited for. */
  static final int QUEUE_REQUESTS = 10_000;
  static final String DATASET_SUFFIX = "-predictions";

  /** One logged request, as the replica answered it. */
  record Entry(long atMillis, int version, String lane, long latencyNanos, Map<String, Tensor> inputs,
               Map<String, Tensor> outputs) {
    int rows() {
      return inputs.values().iterator().next().rows();
    }
  }

  private final String deployment;
  private final String model;
  private final String nodeId;
  private final ObjectStore objects;
  /** Sends an operation to the hub. */
  private final BiFunction<String, JsonObject, Future<JsonObject>> hub;
  private final ArrayBlockingQueue<Entry> queue = new ArrayBlockingQueue<>(QUEUE_REQUESTS);
  private final AtomicLong queuedRows = new AtomicLong();
  /** Rows of the roll being written (0 between rolls). */
  private volatile long writingRows;
  private final Counter logged;
  private final Counter dropped;
  private final Gauge pending;
  private volatile double sample;
  private volatile int rollSeconds = DEFAULT_ROLL_SECONDS;
  private volatile int rollRows = DEFAULT_ROLL_ROWS;
  private long lastRoll = System.currentTimeMillis();
  private boolean writing;
  /** Whether the log's dataset is known to exist (after a first roll registered). */
  private boolean known;
  private int sequence;

  PredictionLog(String deployment, String model, String nodeId, ObjectStore objects,
                BiFunction<String, JsonObject, Future<JsonObject>> hub, MeterRegistry meters) {
    this.deployment = deployment;
    this.model = model;
    this.nodeId = nodeId;
    this.objects = objects;
    this.hub = hub;
    this.logged = Counter.builder("mlplatform.prediction.log.rows").description("prediction rows written to the log")
        .tag("deployment", deployment).register(meters);
    this.dropped = Counter.builder("mlplatform.prediction.log.dropped")
        .description("sampled predictions not logged: the queue was full or a roll could not be written")
        .tag("deployment", deployment).baseUnit("requests").register(meters);
    this.pending = Gauge.builder("mlplatform.prediction.log.pending", () -> queuedRows.get() + writingRows)
        .description("sampled prediction rows queued or being written, not yet in the log's dataset")
        .tag("deployment", deployment).baseUnit("rows").register(meters);
  }

  static String dataset(String deployment) {
    return deployment + DATASET_SUFFIX;
  }

  /** Takes the deployment's logging settings (null: logging off). */
  void configure(JsonObject logging) {
    sample = logging == null ? 0 : logging.getDouble("sample", 0.0);
    if (logging != null) {
      rollSeconds = logging.getInteger("roll_seconds", DEFAULT_ROLL_SECONDS);
      rollRows = logging.getInteger("roll_rows", DEFAULT_ROLL_ROWS);
    }
  }

  /** Whether to log this request: a draw against the sample rate (no draw when logging is off). */
  boolean sampled() {
    double rate = sample;
    return rate > 0 && (rate >= 1 || ThreadLocalRandom.current().nextDouble() < rate);
  }

  /** Queues a sampled request; never blocks: a full queue drops it and counts it. */
  void offer(Entry entry) {
    if (queue.offer(entry)) {
      queuedRows.addAndGet(entry.rows());
    } else {
      dropped.increment();
    }
  }

  /** Called every second on the reconciler's event loop: rolls when the time or the rows say so. */
  void tick() {
    boolean due = queuedRows.get() >= rollRows || System.currentTimeMillis() - lastRoll >= rollSeconds * 1000L;
    if (due && !queue.isEmpty()) {
      roll();
    }
  }

  /** Writes what is queued as one new version of the log's dataset. */
  Future<Void> roll() {
    if (writing || queue.isEmpty()) {
      return Future.succeededFuture();
    }
    writing = true;
    lastRoll = System.currentTimeMillis();
    List<Entry> entries = new ArrayList<>();
    queue.drainTo(entries);
    long rows = entries.stream().mapToLong(Entry::rows).sum();
    writingRows = rows;
    queuedRows.addAndGet(-rows);
    String key = "prediction-logs/" + deployment + "/" + Instant.now().toString().replace(':', '-') + "-" + nodeId
        + "-" + (sequence++) + ".jsonl";
    return objects.blocking(() -> write(entries, key)).compose(written -> register(written, entries, rows)
        .recover(failure -> objects.remove(written.object()).transform(v -> Future.failedFuture(failure))))
        .transform(done -> {
          writing = false;
          writingRows = 0;
          if (done.succeeded()) {
            logged.increment(rows);
          } else {
            dropped.increment(entries.size());
            LOG.warn("prediction log of {}: {} requests not written: {}", deployment, entries.size(),
                done.cause().getMessage());
          }
          return Future.succeededFuture();
        });
  }

  private record Written(StoredObject object, Inspection inspection, byte[] bytes) {
  }

  private Written write(List<Entry> entries, String key) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 16);
    for (Entry entry : entries) {
      JsonArray inputs = Rows.fromTensors(entry.inputs());
      JsonArray outputs = Rows.fromTensors(entry.outputs());
      String request = UUID.randomUUID().toString();
      String at = Instant.ofEpochMilli(entry.atMillis()).toString();
      for (int r = 0; r < inputs.size(); r++) {
        JsonObject line = new JsonObject().put("logged_at", at).put("request_id", request)
            .put("model_version", entry.version()).put("lane", entry.lane())
            .put("latency_ms", entry.latencyNanos() / 1e6);
        flatten(line, "", inputs.getJsonObject(r));
        flatten(line, "output_", r < outputs.size() ? outputs.getJsonObject(r) : new JsonObject());
        out.write(line.encode().getBytes(StandardCharsets.UTF_8));
        out.write('\n');
      }
    }
    byte[] bytes = out.toByteArray();
    Inspection inspection = TabularFiles.inspect(new ByteArrayInputStream(bytes), TabularFormat.JSONL);
    StoredObject object = objects.putBlocking(ObjectStore.DATASETS, key, new ByteArrayInputStream(bytes),
        TabularFormat.JSONL.contentType(), key.substring(key.lastIndexOf('/') + 1));
    return new Written(object, inspection, bytes);
  }

  /** A row's values as columns; a vector's elements as name_0, name_1, ... so that each is a column of its own. */
  private static void flatten(JsonObject line, String prefix, JsonObject row) {
    for (Map.Entry<String, Object> field : row) {
      Object value = field.getValue();
      if (value instanceof JsonArray vector && vector.stream().allMatch(v -> v == null || v instanceof Number
          || v instanceof String || v instanceof Boolean)) {
        for (int i = 0; i < vector.size(); i++) {
          line.put(prefix + field.getKey() + "_" + i, vector.getValue(i));
        }
      } else if (value instanceof JsonArray || value instanceof JsonObject) {
        line.put(prefix + field.getKey(), value.toString());
      } else {
        line.put(prefix + field.getKey(), value);
      }
    }
  }

  /** Records the roll as a version of the log's dataset, creating the dataset the first time. */
  private Future<Void> register(Written written, List<Entry> entries, long rows) {
    TreeSet<Integer> versions = new TreeSet<>();
    entries.forEach(e -> versions.add(e.version()));
    JsonObject lineage = new JsonObject().put("source", "prediction-log").put("deployment", deployment)
        .put("model", model).put("model_versions", new JsonArray(new ArrayList<>(versions))).put("node", nodeId)
        .put("from", Instant.ofEpochMilli(entries.get(0).atMillis()).toString())
        .put("to", Instant.ofEpochMilli(entries.get(entries.size() - 1).atMillis()).toString())
        .put("requests", entries.size()).put("rows", rows);
    JsonObject version = new JsonObject().put("name", dataset(deployment)).put("artifact", written.object().toJson())
        .put("inspection", written.inspection().toJson()).put("lineage", lineage);
    // a failed registration removes the object: ask first whether the dataset exists, rather than fail and retry
    Future<Boolean> exists = known ? Future.succeededFuture(true)
        : hub.apply("dataset.get", new JsonObject().put("name", dataset(deployment))).map(true)
        .recover(failure -> McpException.wrap(failure).code() == ErrorCode.NOT_FOUND
            ? Future.succeededFuture(false) : Future.failedFuture(failure));
    return exists.compose(found -> found ? hub.apply("dataset.version.create", version)
        : hub.apply("dataset.create", version.copy().put("description", "predictions of deployment " + deployment
            + ", logged by the platform")).recover(lost -> McpException.wrap(lost).code() == ErrorCode.CONFLICT
            // another node created it first; the refused request took the object with it: put it again
            ? objects.blocking(() -> objects.putBlocking(written.object().bucket(), written.object().key(),
                new ByteArrayInputStream(written.bytes()), TabularFormat.JSONL.contentType(), written.object().filename()))
            .compose(again -> hub.apply("dataset.version.create", version))
            : Future.failedFuture(lost)))
        .onSuccess(v -> known = true).mapEmpty();
  }

  void removeMeters(MeterRegistry meters) {
    meters.remove(logged);
    meters.remove(dropped);
    meters.remove(pending);
  }
}
