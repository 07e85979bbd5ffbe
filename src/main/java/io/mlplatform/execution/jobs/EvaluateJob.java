package io.mlplatform.execution.jobs;

import io.mlplatform.mcp.McpException;
import io.mlplatform.storage.ObjectStore;
import io.mlplatform.storage.StoredObject;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

import java.util.Map;
import java.util.function.BiFunction;

/**
 * Scores a labelled dataset version with a model version trained here (a Spark pipeline) and records the metrics on
 * the execution and on the model version (in its evaluations).
 */
public final class EvaluateJob implements JobType {
  private final ObjectStore objects;

  public EvaluateJob(ObjectStore objects) {
    this.objects = objects;
  }

  @Override
  public Future<JsonObject> check(JsonObject request, BiFunction<String, JsonObject, Future<JsonObject>> call) {
    return SparkData.modelVersion(request, call)
        .compose(version -> SparkData.lookUp(request, call).map(source -> {
          if (!"spark".equals(version.getString("format"))) {
            throw McpException.invalidField("model", "evaluation takes models trained here (format spark) for now;"
                + " version " + version.getInteger("version") + " is " + version.getString("format"));
          }
          JsonObject params = version.getJsonObject("params", new JsonObject());
          String label = params.getString("label");
          Map<String, String> columns = SparkData.columns(source);
          if (label == null) {
            throw McpException.invalidField("model", "the model was trained without a label: nothing to evaluate against");
          }
          if (!columns.containsKey(label)) {
            throw SparkData.unknownColumn("dataset", label, columns);
          }
          for (Object feature : params.getJsonArray("features", new io.vertx.core.json.JsonArray())) {
            if (!columns.containsKey(String.valueOf(feature))) {
              throw SparkData.unknownColumn("dataset", String.valueOf(feature), columns);
            }
          }
          return request.copy().put("model_version", version.getInteger("version")).put("label", label)
              .put("algorithm", params.getString("algorithm")).put("features", params.getJsonArray("features"))
              .put("model_artifact", version.getJsonObject("artifact")).put("version", source.getInteger("version"))
              .put("source", source);
        }));
  }

  @Override
  public JsonObject run(JobContext job) throws Exception {
    JsonObject request = job.request();
    PipelineModel model = BatchPredictJob.loadPipeline(objects, StoredObject.fromJson(request.getJsonObject("model_artifact")));
    Dataset<Row> data = SparkData.read(job.spark(), request.getJsonObject("source"));
    for (Object feature : request.getJsonArray("features")) {
      data = data.withColumn((String) feature, functions.col((String) feature).cast(DataTypes.DoubleType));
    }
    job.progress(0.2);
    boolean classifier = false;
    String labelColumn = request.getString("label");
    for (Transformer stage : model.stages()) {
      if (stage instanceof StringIndexerModel indexer) {
        classifier = true;
        labelColumn = indexer.getOutputCol();
      }
    }
    if (!classifier) {
      data = data.withColumn(labelColumn, functions.col(labelColumn).cast(DataTypes.DoubleType));
    }
    boolean supervised = !"kmeans".equals(request.getString("algorithm"));
    JsonObject metrics = TrainJob.metrics(supervised, classifier, model.transform(data), labelColumn);
    job.log("metrics on " + request.getString("dataset") + " v" + request.getInteger("version") + ": " + metrics.encode());
    job.progress(0.9);
    JsonObject evaluation = new JsonObject().put("dataset", request.getString("dataset"))
        .put("version", request.getInteger("version")).put("execution", job.id()).put("metrics", metrics);
    job.call("model.version.evaluation", new JsonObject().put("name", request.getString("model"))
        .put("version", request.getInteger("model_version").toString()).put("evaluation", evaluation));
    return new JsonObject().put("model", request.getString("model")).put("model_version", request.getInteger("model_version"))
        .put("metrics", metrics);
  }
}
