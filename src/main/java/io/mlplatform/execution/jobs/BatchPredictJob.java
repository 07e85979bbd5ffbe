package io.mlplatform.execution.jobs;

import io.mlplatform.mcp.McpException;
import io.mlplatform.mcp.Payload;
import io.mlplatform.storage.ObjectStore;
import io.mlplatform.storage.StoredObject;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.feature.IndexToString;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructField;

import java.io.FilterInputStream;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Scores a dataset version with a model version in Spark and writes the input columns plus the predictions as a new
 * dataset (its object in the results bucket). ONNX and PMML models run inside the Spark tasks, loaded once per
 * partition (see Scoring); Spark ML pipelines run natively.
 */
public final class BatchPredictJob implements JobType {
  private static final String COMPLETE = "_UNZIPPED";

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
          Map<String, String> columns = SparkData.columns(source);
          String format = version.getString("format");
          JsonObject checked = request.copy().put("model_version", version.getInteger("version")).put("format", format)
              .put("model_artifact", version.getJsonObject("artifact"))
              .put("version", source.getInteger("version")).put("source", source);
          switch (format) {
            case "onnx", "pmml" -> checked.put("features", new JsonArray(Scoring.features(format, request,
                version.getJsonObject("signature"), columns)));
            case "spark" -> {
              SparkData.trainedFeatures(version, columns);
              checked.mergeIn(Features.fromParams(version.getJsonObject("params", new JsonObject())).toParams());
            }
            default -> throw McpException.invalidField("model", "batch scoring takes onnx, pmml or spark models; version "
                + version.getInteger("version") + " is " + format);
          }
          return checked;
        }));
  }

  @Override
  public JsonObject run(JobContext job) throws Exception {
    JsonObject request = job.request();
    Dataset<Row> data = SparkData.read(job.spark(), request.getJsonObject("source"));
    List<String> features = request.getJsonArray("features").stream().map(String.class::cast).toList();
    StoredObject artifact = StoredObject.fromJson(request.getJsonObject("model_artifact"));
    job.progress(0.1);
    boolean pipeline = "spark".equals(request.getString("format"));
    Dataset<Row> scored = pipeline ? scoreSpark(Features.fromParams(request), data, artifact)
        : Scoring.score(request.getString("format"), data, features, objects, artifact);
    job.log("scoring " + request.getString("dataset") + " v" + request.getInteger("version") + " with "
        + request.getString("model") + " v" + request.getInteger("model_version"));
    JsonObject lineage = new JsonObject().put("dataset", request.getString("dataset"))
        .put("version", request.getInteger("version")).put("model", request.getString("model"))
        .put("model_version", request.getInteger("model_version")).put("execution", job.id());
    JsonObject output = new DatasetOutputs(objects, DatasetOutputs.format(request)).write(job, scored, ObjectStore.RESULTS, request.getString("output"), lineage);
    JsonObject result = new JsonObject().put("outputs", new JsonArray().add(output));
    Long rows = request.getJsonObject("source").getLong("row_count");
    if (pipeline && rows != null) {
      long dropped = rows - output.getLong("row_count");
      result.put("dropped_rows", dropped);
      if (dropped > 0) {
        job.log(dropped + " rows with a missing feature value were not scored (the model was trained with"
            + " \"missing\": \"drop\")");
      }
    }
    return result;
  }

  /**
   * A saved Spark pipeline, loaded (see loadPipeline) and applied to the rows it takes; the output keeps the input
   * columns and the predictions (a classifier's with its label: predicted_label), not the vectors and indexes the
   * pipeline works with.
   */
  private Dataset<Row> scoreSpark(Features features, Dataset<Row> data, StoredObject artifact) throws Exception {
    Dataset<Row> input = features.cast(data).filter(features.usable());
    PipelineModel model = loadPipeline(objects, artifact);
    // without the label's indexer: it would leave out the rows whose label is missing or unseen
    List<Transformer> stages = new java.util.ArrayList<>();
    String[] labels = null;
    for (Transformer stage : model.stages()) {
      java.util.Optional<StringIndexerModel> labelIndexer = TrainJob.labelIndexer(stage);
      if (labelIndexer.isPresent()) {
        labels = labelIndexer.get().labelsArray()[0];
      } else {
        stages.add(stage);
      }
    }
    if (labels != null) {
      // a classifier's prediction is the label's index: its label beside it
      stages.add(new IndexToString().setInputCol("prediction").setOutputCol("predicted_label").setLabels(labels));
    }
    Dataset<Row> scored = new PipelineModel(model.uid(), stages.toArray(new Transformer[0])).transform(input);
    java.util.Set<String> given = java.util.Set.of(input.columns());
    for (StructField field : scored.schema().fields()) {
      if (field.dataType().typeName().equals("vector") || !given.contains(field.name())
          && (field.name().endsWith(Features.INDEX_SUFFIX) || field.name().endsWith(Features.IMPUTED_SUFFIX))) {
        scored = scored.drop(SparkData.col(field.name()));
      }
    }
    return scored;
  }

  /**
   * A zipped saved pipeline, unzipped once into the models bucket (under its sha256) and loaded from there with s3a,
   * so that executors on other machines of a Spark cluster read the same files. A marker written last says the
   * unzipped copy is whole.
   */
  static PipelineModel loadPipeline(ObjectStore objects, StoredObject artifact) throws Exception {
    String prefix = "unzipped/" + artifact.sha256() + "/";
    if (!objects.keysBlocking(ObjectStore.MODELS, prefix + COMPLETE).contains(prefix + COMPLETE)) {
      try (InputStream in = objects.openBlocking(artifact.bucket(), artifact.key()); ZipInputStream zip = new ZipInputStream(in)) {
        for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
          String name = entry.getName();
          if (entry.isDirectory() || name.startsWith("/") || name.contains("..")) {
            continue;
          }
          // the entry's bytes only: the store must not close the zip stream
          objects.putBlocking(ObjectStore.MODELS, prefix + name, new FilterInputStream(zip) {
            @Override
            public void close() {
            }
          }, "application/octet-stream", name.substring(name.lastIndexOf('/') + 1));
        }
      }
      objects.putBlocking(ObjectStore.MODELS, prefix + COMPLETE, InputStream.nullInputStream(), "text/plain", COMPLETE);
    }
    return PipelineModel.load("s3a://" + ObjectStore.MODELS + "/" + prefix.substring(0, prefix.length() - 1));
  }
}
