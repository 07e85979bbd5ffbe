package io.mlplatform.execution.jobs;

import io.mlplatform.mcp.ErrorCode;
import io.mlplatform.mcp.McpException;
import io.mlplatform.mcp.Payload;
import io.mlplatform.runtime.SparkColumns;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * A drift report for a deployment: the inputs it was asked to predict in the last {@code window_minutes} (from its
 * prediction log, shadow requests left out) against a baseline dataset (by default the one its model version was
 * trained on), feature by feature ({@link Drift}), and the distribution of its outputs against the window before.
 * Stored with the model version ({@code drift_reports}). Request: {deployment, window_minutes (60), baseline?:
 * {dataset, version?}, features?: [names]}.
 */
public final class MonitorJob implements JobType {
  /** Rows each side contributes at most: the statistics are computed on a sample of this size. */
  static final int SAMPLE_ROWS = 20_000;
  private static final Set<String> LOG_COLUMNS = Set.of("logged_at", "request_id", "model_version", "lane", "latency_ms");
  private static final String OUTPUT_PREFIX = "output_";

  @Override
  public Future<JsonObject> check(JsonObject request, BiFunction<String, JsonObject, Future<JsonObject>> call) {
    Payload p = new Payload(request);
    String deployment = p.name("deployment");
    int window = p.optionalInt("window_minutes", 60, 1, 43_200);
    Instant to = Instant.now();
    Instant from = to.minus(window, ChronoUnit.MINUTES);
    Instant before = from.minus(window, ChronoUnit.MINUTES);
    String log = deployment + "-predictions";
    return call.apply("deployment.get", new JsonObject().put("name", deployment)).compose(found -> {
      String model = found.getString("model");
      return call.apply("model.version.get", new JsonObject().put("name", model).put("version",
          found.getString("version", "latest"))).compose(version -> baseline(request, version, call)
          .compose(baseline -> call.apply("dataset.version.list", new JsonObject().put("name", log))
              .recover(failure -> Future.failedFuture(McpException.wrap(failure).code() == ErrorCode.NOT_FOUND
                  ? McpException.invalidField("deployment", "deployment '" + deployment + "' has logged no"
                  + " predictions (set its \"logging\": {\"sample\": ...})") : failure))
              .map(listed -> {
                List<JsonObject> current = logged(listed, from, to);
                if (current.isEmpty()) {
                  throw McpException.invalidField("window_minutes", "deployment '" + deployment
                      + "' logged no predictions in the last " + window + " minutes");
                }
                Map<String, String> features = features(request, SparkData.columns(baseline), current);
                return request.copy().put("deployment", deployment).put("window_minutes", window)
                    .put("model", model).put("model_version", version.getInteger("version"))
                    .put("from", from.toString()).put("to", to.toString()).put("log", log)
                    .put("baseline_source", baseline).put("current_sources", new JsonArray(new ArrayList<>(current)))
                    .put("previous_sources", new JsonArray(new ArrayList<>(logged(listed, before, from))))
                    .put("kinds", new JsonObject(new LinkedHashMap<>(features)));
              })));
    });
  }

  /** The baseline the request names, else the dataset version the model version was trained on. */
  private static Future<JsonObject> baseline(JsonObject request, JsonObject version,
                                             BiFunction<String, JsonObject, Future<JsonObject>> call) {
    JsonObject named = request.getJsonObject("baseline");
    JsonObject trainedOn = version.getJsonObject("source");
    if (named == null && (trainedOn == null || trainedOn.getString("dataset") == null)) {
      throw McpException.invalidField("baseline", "model version " + version.getInteger("version")
          + " records no training dataset: name one, {\"dataset\": ..., \"version\": ...}");
    }
    JsonObject source = named != null ? named : trainedOn;
    return SparkData.lookUp(new JsonObject().put("dataset", source.getValue("dataset"))
        .put("version", source.getValue("version")), call).map(found -> found.put("dataset", source.getString("dataset")));
  }

  /** The log's versions whose time range overlaps [from, to). */
  private static List<JsonObject> logged(JsonObject listed, Instant from, Instant to) {
    List<JsonObject> found = new ArrayList<>();
    for (Object item : listed.getJsonArray("items", new JsonArray())) {
      JsonObject version = (JsonObject) item;
      JsonObject lineage = version.getJsonObject("lineage", new JsonObject());
      if (!"prediction-log".equals(lineage.getString("source")) || lineage.getString("from") == null) {
        continue;
      }
      if (Instant.parse(lineage.getString("to")).isBefore(from) || !Instant.parse(lineage.getString("from")).isBefore(to)) {
        continue;
      }
      found.add(new JsonObject().put("version", version.getInteger("version")).put("format", version.getString("format"))
          .put("artifact", version.getJsonObject("artifact")).put("schema", version.getJsonArray("schema")));
    }
    return found;
  }

  /** Feature → numeric or categorical: the columns the baseline and the log share, or those the request names. */
  private static Map<String, String> features(JsonObject request, Map<String, String> baseline, List<JsonObject> logged) {
    Map<String, String> log = new LinkedHashMap<>();
    logged.forEach(version -> log.putAll(SparkData.columns(version)));
    LOG_COLUMNS.forEach(log::remove);
    log.keySet().removeIf(name -> name.startsWith(OUTPUT_PREFIX));
    List<String> names;
    if (request.getValue("features") != null) {
      if (!(request.getValue("features") instanceof JsonArray list) || list.isEmpty()) {
        throw McpException.invalidField("features", "must be a non-empty array of column names");
      }
      names = list.stream().map(String::valueOf).toList();
      for (String name : names) {
        if (!baseline.containsKey(name)) {
          throw SparkColumns.unknownColumn("features", name, baseline);
        }
        if (!log.containsKey(name)) {
          throw McpException.invalidField("features", "the predictions logged have no input '" + name
              + "' (inputs: " + log.keySet() + ")");
        }
      }
    } else {
      names = log.keySet().stream().filter(baseline::containsKey).toList();
      if (names.isEmpty()) {
        throw McpException.invalidField("baseline", "the baseline's columns " + baseline.keySet()
            + " share none with the inputs logged " + log.keySet());
      }
    }
    Map<String, String> kinds = new LinkedHashMap<>();
    names.forEach(name -> kinds.put(name, SparkColumns.numeric(baseline.get(name)) && SparkColumns.numeric(log.get(name))
        ? "numeric" : "categorical"));
    return kinds;
  }

  @Override
  public JsonObject run(JobContext job) throws Exception {
    JsonObject request = job.request();
    Map<String, String> kinds = new LinkedHashMap<>();
    request.getJsonObject("kinds").forEach(e -> kinds.put(e.getKey(), (String) e.getValue()));
    Column[] columns = kinds.entrySet().stream().map(e -> SparkColumns.col(e.getKey())
        .cast("numeric".equals(e.getValue()) ? DataTypes.DoubleType : DataTypes.StringType).as(e.getKey()))
        .toArray(Column[]::new);
    Dataset<Row> baseline = SparkData.read(job.spark(), request.getJsonObject("baseline_source")).select(columns);
    Dataset<Row> current = window(job, request.getJsonArray("current_sources"), request.getString("from"),
        request.getString("to"));
    List<String> outputs = current == null ? List.of() : java.util.Arrays.stream(current.columns())
        .filter(c -> c.startsWith(OUTPUT_PREFIX)).toList();
    List<Row> baselineRows = sample(baseline);
    job.progress(0.4);
    List<Row> currentRows = sample(current.select(columns));
    job.progress(0.7);
    JsonArray features = compare(kinds, baselineRows, currentRows);
    JsonObject prediction = predictionDrift(job, request, current, outputs);
    job.progress(0.9);
    JsonArray drifted = new JsonArray();
    features.forEach(f -> {
      if (((JsonObject) f).getBoolean("drifted")) {
        drifted.add(((JsonObject) f).getString("feature"));
      }
    });
    JsonObject source = request.getJsonObject("baseline_source");
    JsonObject report = new JsonObject().put("execution", job.id()).put("deployment", request.getString("deployment"))
        .put("window", new JsonObject().put("from", request.getString("from")).put("to", request.getString("to")))
        .put("baseline", new JsonObject().put("dataset", source.getString("dataset")).put("version", source.getInteger("version")))
        .put("rows", new JsonObject().put("baseline", baselineRows.size()).put("current", currentRows.size()))
        .put("drifted", drifted).put("features", features).put("prediction", prediction);
    job.log("drift of " + request.getString("deployment") + ": " + drifted.size() + " of " + features.size()
        + " features drifted " + drifted.encode());
    job.call("model.version.drift", new JsonObject().put("name", request.getString("model"))
        .put("version", request.getInteger("model_version").toString()).put("report", report));
    return report.copy().put("model", request.getString("model")).put("model_version", request.getInteger("model_version"));
  }

  /** The logged rows of [from, to) in these versions of the log, shadow requests left out; null when there are none. */
  private static Dataset<Row> window(JobContext job, JsonArray sources, String from, String to) {
    Dataset<Row> all = null;
    for (Object source : sources) {
      Dataset<Row> part = SparkData.read(job.spark(), (JsonObject) source);
      all = all == null ? part : all.unionByName(part, true);
    }
    if (all == null) {
      return null;
    }
    Column at = functions.to_timestamp(functions.col("logged_at"));
    return all.filter(at.geq(functions.to_timestamp(functions.lit(from))).and(at.lt(functions.to_timestamp(functions.lit(to))))
        .and(functions.col("lane").notEqual("shadow")));
  }

  private static List<Row> sample(Dataset<Row> data) {
    long rows = data.count();
    Dataset<Row> sampled = rows <= SAMPLE_ROWS ? data : data.sample(false, Math.min(1.0, 1.2 * SAMPLE_ROWS / rows), 7);
    return sampled.limit(SAMPLE_ROWS).collectAsList();
  }

  /** Each column of two samples (rows of the same columns, by name), through {@link Drift}; empty sides skipped. */
  private static JsonArray compare(Map<String, String> kinds, List<Row> baseline, List<Row> current) {
    JsonArray results = new JsonArray();
    int index = 0;
    for (Map.Entry<String, String> feature : kinds.entrySet()) {
      int i = index++;
      if ("numeric".equals(feature.getValue())) {
        double[] a = baseline.stream().filter(r -> !r.isNullAt(i)).mapToDouble(r -> r.getDouble(i))
            .filter(v -> !Double.isNaN(v)).toArray();
        double[] b = current.stream().filter(r -> !r.isNullAt(i)).mapToDouble(r -> r.getDouble(i))
            .filter(v -> !Double.isNaN(v)).toArray();
        if (a.length > 0 && b.length > 0) {
          results.add(Drift.numeric(feature.getKey(), a, b));
        }
      } else {
        Map<String, Long> a = new HashMap<>();
        Map<String, Long> b = new HashMap<>();
        baseline.forEach(r -> a.merge(r.isNullAt(i) ? "(null)" : r.getString(i), 1L, Long::sum));
        current.forEach(r -> b.merge(r.isNullAt(i) ? "(null)" : r.getString(i), 1L, Long::sum));
        if (!a.isEmpty() && !b.isEmpty()) {
          results.add(Drift.categorical(feature.getKey(), a, b));
        }
      }
    }
    return results;
  }

  /** The outputs of this window against those of the window before it (when it logged any). */
  private static JsonObject predictionDrift(JobContext job, JsonObject request, Dataset<Row> current,
                                            List<String> outputs) {
    JsonArray previous = request.getJsonArray("previous_sources");
    if (outputs.isEmpty() || previous.isEmpty()) {
      return new JsonObject().put("compared", false).put("reason", outputs.isEmpty() ? "no outputs logged"
          : "no predictions logged in the window before");
    }
    Instant from = Instant.parse(request.getString("from"));
    Instant before = from.minus(request.getInteger("window_minutes"), ChronoUnit.MINUTES);
    Dataset<Row> earlier = window(job, previous, before.toString(), from.toString());
    List<String> shared = outputs.stream().filter(o -> java.util.Arrays.asList(earlier.columns()).contains(o)).toList();
    Map<String, String> types = new HashMap<>();
    request.getJsonArray("current_sources").forEach(source -> types.putAll(SparkData.columns((JsonObject) source)));
    Map<String, String> kinds = new LinkedHashMap<>();
    shared.forEach(o -> kinds.put(o, SparkColumns.numeric(types.get(o)) ? "numeric" : "categorical"));
    Column[] columns = shared.stream().map(o -> SparkColumns.col(o).cast("numeric".equals(kinds.get(o))
        ? DataTypes.DoubleType : DataTypes.StringType).as(o)).toArray(Column[]::new);
    JsonArray results = compare(kinds, sample(earlier.select(columns)), sample(current.select(columns)));
    return new JsonObject().put("compared", true).put("outputs", results);
  }
}
