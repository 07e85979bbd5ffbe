package io.mlplatform.execution.jobs;

import io.mlplatform.mcp.McpException;
import io.mlplatform.mcp.Payload;
import io.mlplatform.runtime.SparkColumns;
import io.mlplatform.storage.ObjectStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * A dataset version → new dataset version(s) with Spark: steps (select, rename, filter, sample, standardize,
 * normalize, sql) applied in order, then written as CSV; with "split", a train and a test dataset. Lineage (parent
 * version, execution) is recorded on each output version.
 */
public final class TransformJob implements JobType {
  private static final Set<String> STEPS = Set.of("select", "rename", "filter", "sample", "standardize", "normalize", "sql");

  private final ObjectStore objects;

  public TransformJob(ObjectStore objects) {
    this.objects = objects;
  }

  @Override
  public Future<JsonObject> check(JsonObject request, BiFunction<String, JsonObject, Future<JsonObject>> call) {
    Payload p = new Payload(request);
    p.name("output");
    DatasetOutputs.format(request);
    JsonArray steps = request.getJsonArray("steps", new JsonArray());
    JsonObject split = p.optionalObject("split");
    if (split != null) {
      Object train = split.getValue("train");
      if (!(train instanceof Number n) || n.doubleValue() <= 0 || n.doubleValue() >= 1) {
        throw McpException.invalidField("split.train", "must be a fraction between 0 and 1 (exclusive)");
      }
    }
    return SparkData.lookUp(request, call).map(source -> {
      Map<String, String> types = new java.util.HashMap<>(SparkData.columns(source));
      checkSteps(steps, new ArrayList<>(SparkData.columns(source).keySet()), types);
      return request.copy().put("version", source.getInteger("version")).put("steps", steps).put("source", source);
    });
  }

  /** Follows the columns through the steps, naming the first step that refers to one that is not there. */
  private static void checkSteps(JsonArray steps, List<String> columns, Map<String, String> types) {
    Set<String> known = new LinkedHashSet<>(columns);
    boolean tracked = true;
    for (int i = 0; i < steps.size(); i++) {
      if (!(steps.getValue(i) instanceof JsonObject step) || step.size() != 1 || !STEPS.contains(step.fieldNames().iterator().next())) {
        throw McpException.invalidField("steps[" + i + "]", "each step is one of " + STEPS + ", e.g. {\"filter\": \"x > 1\"}");
      }
      String kind = step.fieldNames().iterator().next();
      String where = "steps[" + i + "]." + kind;
      Object value = step.getValue(kind);
      switch (kind) {
        case "select" -> {
          List<String> selected = strings(where, value);
          if (tracked) {
            selected.forEach(c -> requireColumn(where, c, known));
          }
          known.retainAll(selected);
        }
        case "rename" -> {
          if (!(value instanceof JsonObject renames) || renames.isEmpty()) {
            throw McpException.invalidField(where, "must be an object {old: new}");
          }
          for (String old : renames.fieldNames()) {
            if (tracked) {
              requireColumn(where, old, known);
            }
            Object renamed = renames.getValue(old);
            if (!(renamed instanceof String name) || name.isBlank()) {
              throw McpException.invalidField(where, "the new name of '" + old + "' must be a non-empty string");
            }
            known.remove(old);
            known.add(name);
            types.put(name, types.get(old));
          }
        }
        case "filter" -> parseExpression(where, value);
        case "sample" -> {
          if (!(value instanceof Number fraction) || fraction.doubleValue() <= 0 || fraction.doubleValue() > 1) {
            throw McpException.invalidField(where, "must be a fraction in (0, 1]");
          }
        }
        case "standardize", "normalize" -> {
          for (String column : strings(where, value)) {
            if (tracked) {
              requireColumn(where, column, known);
              String type = types.get(column);
              if (!"integer".equals(type) && !"double".equals(type)) {
                throw McpException.invalidField(where, "column '" + column + "' is " + type + ", not numeric");
              }
            }
          }
        }
        case "sql" -> {
          if (!(value instanceof String sql) || sql.isBlank()) {
            throw McpException.invalidField(where, "must be a query over the table 'data'");
          }
          UserSql.checkQuery(where, sql);
          tracked = false;
        }
        default -> throw new IllegalStateException(kind);
      }
    }
  }

  private static void parseExpression(String where, Object value) {
    if (!(value instanceof String expression) || expression.isBlank()) {
      throw McpException.invalidField(where, "must be a SQL expression, e.g. \"amount > 10\"");
    }
    UserSql.checkExpression(where, expression);
  }

  private static void requireColumn(String where, String column, Set<String> known) {
    if (!known.contains(column)) {
      throw McpException.invalidField(where, "unknown column '" + column + "' (columns: " + known + ")");
    }
  }

  private static List<String> strings(String where, Object value) {
    if (!(value instanceof JsonArray array) || array.isEmpty() || !array.stream().allMatch(v -> v instanceof String)) {
      throw McpException.invalidField(where, "must be a non-empty array of column names");
    }
    // a name is quoted with backticks for Spark: one inside it would end the quote and start an expression
    array.stream().map(String.class::cast).filter(c -> c.indexOf('`') >= 0).findFirst().ifPresent(c -> {
      throw McpException.invalidField(where, "column name '" + c + "' may not hold a backtick");
    });
    return array.stream().map(String.class::cast).toList();
  }

  @Override
  public JsonObject run(JobContext job) throws Exception {
    JsonObject request = job.request();
    JsonObject source = request.getJsonObject("source");
    Dataset<Row> data = SparkData.read(job.spark(), source);
    job.log("read " + request.getString("dataset") + " version " + request.getInteger("version"));
    job.progress(0.1);
    JsonArray steps = request.getJsonArray("steps");
    for (int i = 0; i < steps.size(); i++) {
      data = apply(job, data, steps.getJsonObject(i));
      job.log("step " + (i + 1) + ": " + steps.getJsonObject(i).encode());
    }
    JsonObject lineage = new JsonObject().put("dataset", request.getString("dataset"))
        .put("version", request.getInteger("version")).put("execution", job.id());
    String output = request.getString("output");
    JsonObject split = request.getJsonObject("split");
    DatasetOutputs writer = new DatasetOutputs(objects, DatasetOutputs.format(request));
    JsonArray outputs = new JsonArray();
    if (split == null) {
      job.progress(0.4);
      outputs.add(writer.write(job, data, ObjectStore.DATASETS, output, lineage));
    } else {
      double train = split.getDouble("train");
      long seed = split.getLong("seed", 42L);
      Dataset<Row>[] parts = data.randomSplit(new double[]{train, 1 - train}, seed);
      job.progress(0.4);
      outputs.add(writer.write(job, parts[0], ObjectStore.DATASETS, output + "-train", lineage));
      job.progress(0.7);
      outputs.add(writer.write(job, parts[1], ObjectStore.DATASETS, output + "-test", lineage));
    }
    return new JsonObject().put("outputs", outputs);
  }

  private static Dataset<Row> apply(JobContext job, Dataset<Row> data, JsonObject step) {
    String kind = step.fieldNames().iterator().next();
    Object value = step.getValue(kind);
    return switch (kind) {
      case "select" -> data.selectExpr(((JsonArray) value).stream().map(c -> "`" + c + "`").toArray(String[]::new));
      case "rename" -> {
        Map<String, String> renames = new java.util.LinkedHashMap<>();
        ((JsonObject) value).forEach(entry -> renames.put(entry.getKey(), (String) entry.getValue()));
        yield data.withColumnsRenamed(renames);
      }
      case "filter" -> {
        // checked again on the session's own parser right before Spark runs it
        UserSql.checkExpression("filter", (String) value, job.spark().sessionState().sqlParser());
        yield data.filter((String) value);
      }
      case "sample" -> data.sample(((Number) value).doubleValue(), 42L);
      case "standardize", "normalize" -> scale(data, (JsonArray) value, "standardize".equals(kind));
      case "sql" -> {
        UserSql.checkQuery("sql", (String) value, job.spark().sessionState().sqlParser());
        data.createOrReplaceTempView(UserSql.VIEW);
        yield job.spark().sql((String) value);
      }
      default -> throw new IllegalStateException(kind);
    };
  }

  /** (x - mean) / stddev, or (x - min) / (max - min), with the statistics computed in one pass. */
  private static Dataset<Row> scale(Dataset<Row> data, JsonArray columns, boolean standardize) {
    List<Column> aggregates = new ArrayList<>();
    for (Object c : columns) {
      String column = (String) c;
      aggregates.add(standardize ? functions.mean(SparkColumns.col(column)) : functions.min(SparkColumns.col(column)));
      aggregates.add(standardize ? functions.stddev(SparkColumns.col(column)) : functions.max(SparkColumns.col(column)));
    }
    Row stats = data.agg(aggregates.get(0), aggregates.subList(1, aggregates.size()).toArray(new Column[0])).first();
    // one projection for every column (a withColumn each would grow the plan, and its analysis, per column)
    Map<String, Column> scaled = new java.util.LinkedHashMap<>();
    for (int i = 0; i < columns.size(); i++) {
      String column = columns.getString(i);
      Column col = SparkColumns.col(column).cast(DataTypes.DoubleType);
      if (stats.isNullAt(2 * i) || stats.isNullAt(2 * i + 1)) {
        scaled.put(column, col);   // no value (or one only, for a standard deviation): nothing to scale by
        continue;
      }
      double offset = ((Number) stats.get(2 * i)).doubleValue();
      double b = ((Number) stats.get(2 * i + 1)).doubleValue();
      double divisor = standardize ? b : b - offset;
      scaled.put(column, divisor == 0 ? col.minus(offset) : col.minus(offset).divide(divisor));
    }
    return data.withColumns(scaled);
  }

}
