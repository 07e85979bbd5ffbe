package io.mlplatform.execution.jobs;

import io.mlplatform.mcp.Payload;
import io.mlplatform.runtime.SparkScorer;
import io.mlplatform.runtime.registry.ModelFormats;
import io.mlplatform.storage.ObjectStore;
import io.mlplatform.storage.StoredObject;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.util.function.BiFunction;

/**
 * Scores a dataset version with a model version in Spark and writes the input columns plus the predictions as a new
 * dataset (its object in the results bucket). The version's format scores (see SparkScorer): ONNX and PMML models
 * inside the Spark tasks, loaded once per partition; Spark ML pipelines natively.
 */
public final class BatchPredictJob implements JobType {
  private final ObjectStore objects;

  public BatchPredictJob(ObjectStore objects) {
    this.objects = objects;
  }

  @Override
  public Future<JsonObject> check(JsonObject request, BiFunction<String, JsonObject, Future<JsonObject>> call) {
    new Payload(request).name("output");
    DatasetOutputs.format(request);
    return SparkData.modelVersion(request, call)
        .compose(version -> SparkData.lookUp(request, call).map(source -> {
          SparkScorer scorer = ModelFormats.sparkScorer(version, "batch scoring");
          JsonObject checked = request.copy().put("model_version", version.getInteger("version"))
              .put("format", version.getString("format")).put("model_artifact", version.getJsonObject("artifact"))
              .put("version", source.getInteger("version")).put("source", source);
          return checked.mergeIn(scorer.check(request, version, SparkData.columns(source)));
        }));
  }

  @Override
  public JsonObject run(JobContext job) throws Exception {
    JsonObject request = job.request();
    Dataset<Row> data = SparkData.read(job.spark(), request.getJsonObject("source"));
    StoredObject artifact = StoredObject.fromJson(request.getJsonObject("model_artifact"));
    job.progress(0.1);
    SparkScorer.Scored scored = ModelFormats.named(request.getString("format")).sparkScorer()
        .score(request, data, objects, artifact);
    job.log("scoring " + request.getString("dataset") + " v" + request.getInteger("version") + " with "
        + request.getString("model") + " v" + request.getInteger("model_version"));
    JsonObject lineage = new JsonObject().put("dataset", request.getString("dataset"))
        .put("version", request.getInteger("version")).put("model", request.getString("model"))
        .put("model_version", request.getInteger("model_version")).put("execution", job.id());
    JsonObject output = new DatasetOutputs(objects, DatasetOutputs.format(request)).write(job, scored.rows(),
        ObjectStore.RESULTS, request.getString("output"), lineage);
    JsonObject result = new JsonObject().put("outputs", new JsonArray().add(output));
    Long rows = request.getJsonObject("source").getLong("row_count");
    if (scored.leftOut() != null && rows != null) {
      long dropped = rows - output.getLong("row_count");
      result.put("dropped_rows", dropped);
      if (dropped > 0) {
        job.log(dropped + " rows " + scored.leftOut());
      }
    }
    return result;
  }
}
