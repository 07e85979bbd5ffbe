package io.mlplatform.execution.jobs;

import io.mlplatform.mcp.McpException;
import io.mlplatform.runtime.SelfEvaluating;
import io.mlplatform.runtime.SparkColumns;
import io.mlplatform.runtime.SparkScorer;
import io.mlplatform.runtime.registry.ModelFormats;
import io.mlplatform.storage.ObjectStore;
import io.mlplatform.storage.StoredObject;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * Scores a labelled dataset version with a model version and records the metrics on the execution and on the model
 * version (in its evaluations). Spark pipelines trained here know their label and features; an ONNX or PMML model is
 * told them: {label, features (ONNX), prediction?: the output to judge, task?: classification | regression,
 * labels?: the class names in the order of an ONNX probability output}.
 */
public final class EvaluateJob implements JobType {
  private static final Set<String> TASKS = Set.of("classification", "regression");

  private final ObjectStore objects;

  public EvaluateJob(ObjectStore objects) {
    this.objects = objects;
  }

  @Override
  public Future<JsonObject> check(JsonObject request, BiFunction<String, JsonObject, Future<JsonObject>> call) {
    return SparkData.modelVersion(request, call)
        .compose(version -> SparkData.lookUp(request, call).map(source -> {
          SparkScorer scorer = ModelFormats.sparkScorer(version, "evaluation");
          Map<String, String> columns = SparkData.columns(source);
          JsonObject checked = request.copy().put("model_version", version.getInteger("version"))
              .put("format", version.getString("format")).put("model_artifact", version.getJsonObject("artifact"))
              .put("version", source.getInteger("version")).put("source", source);
          return scorer instanceof SelfEvaluating self
              ? checked.mergeIn(self.checkEvaluation(checked, version, columns))
              : checkScored(checked, version, columns, scorer);
        }));
  }

  /** A model judged on its outputs: the request names the label, and may name the task, the output and the labels. */
  private static JsonObject checkScored(JsonObject request, JsonObject version, Map<String, String> columns,
                                        SparkScorer scorer) {
    Object label = request.getValue("label");
    if (!(label instanceof String name) || !columns.containsKey(name)) {
      throw label instanceof String name ? SparkColumns.unknownColumn("label", name, columns)
          : McpException.invalidField("label", "name the dataset column holding the true values");
    }
    Object task = request.getValue("task", "double".equals(columns.get(name)) ? "regression" : "classification");
    if (!TASKS.contains(task)) {
      throw McpException.invalidField("task", "must be one of " + TASKS);
    }
    if ("regression".equals(task) && !SparkColumns.numeric(columns.get(name))) {
      throw McpException.invalidField("label", "regression needs a numeric label; '" + name + "' is "
          + columns.get(name));
    }
    Object prediction = request.getValue("prediction");
    if (prediction != null && !(prediction instanceof String)) {
      throw McpException.invalidField("prediction", "must be the name of one of the model's outputs");
    }
    Object labels = request.getValue("labels");
    if (labels != null && !(labels instanceof JsonArray names && names.stream().allMatch(String.class::isInstance))) {
      throw McpException.invalidField("labels", "must be the class names, in the order of the model's output");
    }
    return request.put("task", task).mergeIn(scorer.check(request, version, columns));
  }

  @Override
  public JsonObject run(JobContext job) throws Exception {
    JsonObject request = job.request();
    Dataset<Row> data = SparkData.read(job.spark(), request.getJsonObject("source"));
    StoredObject artifact = StoredObject.fromJson(request.getJsonObject("model_artifact"));
    job.progress(0.2);
    SparkScorer scorer = ModelFormats.named(request.getString("format")).sparkScorer();
    SelfEvaluating.Evaluation evaluation = scorer instanceof SelfEvaluating self
        ? self.evaluate(request, data, objects, artifact, job::log)
        : new SelfEvaluating.Evaluation(scoredMetrics(request, data, scorer, artifact), 0);
    JsonObject metrics = evaluation.metrics();
    job.log("metrics on " + request.getString("dataset") + " v" + request.getInteger("version") + ": " + metrics.encode());
    job.progress(0.9);
    JsonObject record = new JsonObject().put("dataset", request.getString("dataset"))
        .put("version", request.getInteger("version")).put("execution", job.id()).put("metrics", metrics);
    job.call("model.version.evaluation", new JsonObject().put("name", request.getString("model"))
        .put("version", request.getInteger("model_version").toString()).put("evaluation", record));
    return new JsonObject().put("model", request.getString("model")).put("model_version", request.getInteger("model_version"))
        .put("metrics", metrics).put("dropped_rows", evaluation.droppedRows());
  }

  /**
   * A model's outputs against the label: RMSE and R² for a regression; accuracy and F1 for a
   * classification, whose prediction is the output's value, or the class of the highest probability when the output
   * is a vector (named by "labels", else by position), plus AUC when there are two classes.
   */
  private JsonObject scoredMetrics(JsonObject request, Dataset<Row> data, SparkScorer scorer, StoredObject artifact)
      throws Exception {
    List<String> before = List.of(data.columns());
    Dataset<Row> scored = scorer.score(request, data, objects, artifact).rows();
    List<String> added = List.of(scored.columns()).subList(before.size(), scored.columns().length);
    String output = request.getString("prediction");
    if (output == null) {
      output = added.get(0).replaceFirst("_0$", "");
    }
    String prefix = output;
    List<String> values = added.stream().filter(c -> c.equals(prefix) || c.matches(java.util.regex.Pattern.quote(prefix)
        + "_\\d+")).toList();
    if (values.isEmpty()) {
      throw McpException.invalidField("prediction", "the model has no output '" + output + "' (outputs: " + added + ")");
    }
    String label = request.getString("label");
    JsonObject metrics = new JsonObject();
    if ("regression".equals(request.getString("task"))) {
      Dataset<Row> judged = scored.select(functions.col(label).cast(DataTypes.DoubleType).as("label"),
          functions.col(values.get(0)).cast(DataTypes.DoubleType).as("prediction")).na().drop();
      RegressionEvaluator regression = new RegressionEvaluator();
      metrics.put("rmse", regression.setMetricName("rmse").evaluate(judged));
      metrics.put("r2", regression.setMetricName("r2").evaluate(judged));
      return metrics;
    }
    JsonArray labels = request.getJsonArray("labels");
    Column predicted;
    if (values.size() == 1) {
      predicted = functions.col(values.get(0)).cast(DataTypes.StringType);
    } else {
      // the class of the highest probability: greatest(struct(p, i)) picks the largest p, then its index
      Column[] pairs = new Column[values.size()];
      for (int i = 0; i < pairs.length; i++) {
        pairs[i] = functions.struct(functions.col(values.get(i)).as("p"), functions.lit(i).as("i"));
      }
      Column index = functions.greatest(pairs).getField("i");
      predicted = labels == null || labels.size() != values.size() ? index.cast(DataTypes.StringType)
          : functions.element_at(functions.array(labels.stream().map(functions::lit).toArray(Column[]::new)),
          index.plus(1));
    }
    Dataset<Row> judged = scored.select(functions.col(label).cast(DataTypes.StringType).as("truth"),
        predicted.as("predicted"), values.size() == 2 ? functions.col(values.get(1)).as("score")
            : functions.lit(null).cast(DataTypes.DoubleType).as("score")).na().drop(new String[]{"truth", "predicted"});
    StringIndexerModel indexer = new StringIndexer().setInputCol("truth").setOutputCol("label")
        .setHandleInvalid("keep").fit(judged);
    Dataset<Row> indexed = indexer.transform(judged);
    indexed = indexer.copy(new org.apache.spark.ml.param.ParamMap()).setInputCol("predicted").setOutputCol("prediction")
        .transform(indexed);
    MulticlassClassificationEvaluator multi = new MulticlassClassificationEvaluator();
    metrics.put("accuracy", multi.setMetricName("accuracy").evaluate(indexed));
    metrics.put("f1", multi.setMetricName("f1").evaluate(indexed));
    if (values.size() == 2) {
      String positive = labels == null || labels.size() != 2 ? "1" : labels.getString(1);
      Dataset<Row> binary = judged.select(functions.when(functions.col("truth").equalTo(positive), 1.0).otherwise(0.0)
          .as("label"), functions.col("score").cast(DataTypes.DoubleType).as("rawPrediction"));
      metrics.put("auc", new BinaryClassificationEvaluator().evaluate(binary));
    }
    return metrics;
  }
}
