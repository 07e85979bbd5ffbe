package io.mlplatform.runtime.spark;

import io.mlplatform.mcp.McpException;
import io.mlplatform.runtime.SelfEvaluating;
import io.mlplatform.runtime.SparkColumns;
import io.mlplatform.runtime.SparkScorer;
import io.mlplatform.storage.ObjectStore;
import io.mlplatform.storage.StoredObject;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.feature.IndexToString;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A saved Spark pipeline scores natively, on the rows it takes: the features its version's params record, cast and
 * filtered as in training. A pipeline trained here knows its label, so it is evaluated as training judged it.
 */
final class PipelineScoring implements SparkScorer, SelfEvaluating {
  /** The dataset must hold every column the pipeline was trained on; the scoring takes the version's features. */
  @Override
  public JsonObject check(JsonObject request, JsonObject version, Map<String, String> columns) {
    trainedFeatures(version, columns);
    return Features.fromParams(version.getJsonObject("params", new JsonObject())).toParams();
  }

  /**
   * The pipeline without its label's indexer, applied to the rows it takes; the output keeps the input columns and
   * the predictions (a classifier's with its label: predicted_label), not the vectors and indexes the pipeline works
   * with.
   */
  @Override
  public Scored score(JsonObject request, Dataset<Row> data, ObjectStore objects, StoredObject artifact)
      throws Exception {
    Features features = Features.fromParams(request);
    Dataset<Row> input = features.cast(data).filter(features.usable());
    PipelineModel model = Pipelines.load(objects, artifact);
    // without the label's indexer: it would leave out the rows whose label is missing or unseen
    List<Transformer> stages = new ArrayList<>();
    String[] labels = null;
    for (Transformer stage : model.stages()) {
      Optional<StringIndexerModel> labelIndexer = Pipelines.labelIndexer(stage);
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
    Set<String> given = Set.of(input.columns());
    for (StructField field : scored.schema().fields()) {
      if (field.dataType().typeName().equals("vector") || !given.contains(field.name())
          && (field.name().endsWith(Features.INDEX_SUFFIX) || field.name().endsWith(Features.IMPUTED_SUFFIX))) {
        scored = scored.drop(SparkColumns.col(field.name()));
      }
    }
    return new Scored(scored, "with a missing feature value were not scored (the model was trained with"
        + " \"missing\": \"drop\")");
  }

  /** The label the pipeline was trained with, and its features, must be columns of the dataset. */
  @Override
  public JsonObject checkEvaluation(JsonObject request, JsonObject version, Map<String, String> columns) {
    JsonObject params = version.getJsonObject("params", new JsonObject());
    String label = params.getString("label");
    if (label == null) {
      throw McpException.invalidField("model", "the model was trained without a label: nothing to evaluate against");
    }
    if (!columns.containsKey(label)) {
      throw SparkColumns.unknownColumn("dataset", label, columns);
    }
    trainedFeatures(version, columns);
    return new JsonObject().put("label", label).put("algorithm", params.getString("algorithm"))
        .mergeIn(Features.fromParams(params).toParams());
  }

  /** The metrics training gives, on the rows the pipeline was trained to take: a label, and every feature under "drop". */
  @Override
  public Evaluation evaluate(JsonObject request, Dataset<Row> data, ObjectStore objects, StoredObject artifact,
                             Consumer<String> log) throws Exception {
    PipelineModel model = Pipelines.load(objects, artifact);
    Features features = Features.fromParams(request);
    boolean classifier = Arrays.stream(model.stages()).anyMatch(s -> Pipelines.labelIndexer(s).isPresent());
    String labelColumn = classifier ? Pipelines.INDEXED_LABEL : request.getString("label");
    data = features.cast(data);
    if (!classifier) {
      data = data.withColumn(labelColumn, functions.col(labelColumn).cast(DataTypes.DoubleType));
    }
    Column usable = features.usable().and(SparkColumns.col(request.getString("label")).isNotNull());
    long dropped = data.filter(functions.not(usable)).count();
    if (dropped > 0) {
      log.accept(dropped + " rows left out of the evaluation (a missing label"
          + ("drop".equals(features.missing()) ? " or feature value)" : ")"));
    }
    boolean supervised = !"kmeans".equals(request.getString("algorithm"));
    return new Evaluation(Pipelines.metrics(supervised, classifier, model.transform(data.filter(usable)), labelColumn),
        dropped);
  }

  /** The columns a model trained here was trained on; a dataset lacking one is a 400 naming it. */
  private static void trainedFeatures(JsonObject version, Map<String, String> columns) {
    List<String> features = version.getJsonObject("params", new JsonObject()).getJsonArray("features", new JsonArray())
        .stream().map(String::valueOf).toList();
    for (String feature : features) {
      if (!columns.containsKey(feature)) {
        throw McpException.invalidField("dataset", "the model was trained on column '" + feature
            + "', which this dataset lacks (columns: " + columns.keySet() + ")");
      }
    }
  }
}
