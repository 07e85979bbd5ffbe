package io.mlplatform.execution.jobs;

import io.mlplatform.mcp.ErrorCode;
import io.mlplatform.mcp.McpException;
import io.mlplatform.mcp.Payload;
import io.mlplatform.runtime.SparkColumns;
import io.mlplatform.runtime.spark.Features;
import io.mlplatform.runtime.spark.OnnxExport;
import io.mlplatform.runtime.spark.Pipelines;
import io.mlplatform.runtime.spark.SparkFormat;
import io.mlplatform.storage.ObjectStore;
import io.mlplatform.storage.StoredObject;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.GBTClassifier;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.RandomForestClassifier;
import org.apache.spark.ml.clustering.KMeans;
import org.apache.spark.ml.feature.MinMaxScaler;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.regression.GBTRegressor;
import org.apache.spark.ml.regression.LinearRegression;
import org.apache.spark.ml.regression.RandomForestRegressor;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.storage.StorageLevel;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Trains a Spark MLlib pipeline (feature assembly, label indexing, the algorithm) on a dataset version, holds out a
 * validation split for its metrics, and registers it as a new version of a model (format spark: the saved pipeline,
 * zipped) with its params, metrics and lineage.
 */
public final class TrainJob implements JobType {
  /** Algorithm → whether it needs a label, whether it classifies, and the params a request may set. */
  private record Algorithm(boolean supervised, boolean classifier, Set<String> params) {
  }

  private static final Map<String, Algorithm> ALGORITHMS = Map.of(
      "logistic_regression", new Algorithm(true, true, Set.of("maxIter", "regParam", "elasticNetParam")),
      "linear_regression", new Algorithm(true, false, Set.of("maxIter", "regParam", "elasticNetParam")),
      "random_forest_classifier", new Algorithm(true, true, Set.of("numTrees", "maxDepth", "seed")),
      "random_forest_regressor", new Algorithm(true, false, Set.of("numTrees", "maxDepth", "seed")),
      "gbt_classifier", new Algorithm(true, true, Set.of("maxIter", "maxDepth", "stepSize", "seed")),
      "gbt_regressor", new Algorithm(true, false, Set.of("maxIter", "maxDepth", "stepSize", "seed")),
      "kmeans", new Algorithm(false, false, Set.of("k", "maxIter", "seed")));

  private static final Set<String> SCALINGS = Set.of("none", "standard", "minmax");

  private final ObjectStore objects;

  public TrainJob(ObjectStore objects) {
    this.objects = objects;
  }

  @Override
  public Future<JsonObject> check(JsonObject request, BiFunction<String, JsonObject, Future<JsonObject>> call) {
    Payload p = new Payload(request);
    p.name("model");
    String algorithmName = p.string("algorithm");
    Algorithm algorithm = ALGORITHMS.get(algorithmName);
    if (algorithm == null) {
      throw McpException.invalidField("algorithm", "unknown algorithm '" + algorithmName + "' (algorithms: "
          + ALGORITHMS.keySet() + ")");
    }
    JsonObject params = p.userObject("params") == null ? new JsonObject() : p.userObject("params");
    for (Map.Entry<String, Object> param : params) {
      if (!algorithm.params().contains(param.getKey())) {
        throw McpException.invalidField("params." + param.getKey(), "not a parameter of " + algorithmName
            + " (parameters: " + algorithm.params() + ")");
      }
      if (!(param.getValue() instanceof Number)) {
        throw McpException.invalidField("params." + param.getKey(), "must be a number");
      }
    }
    Object split = request.getValue("validation_split", 0.2);
    if (!(split instanceof Number fraction) || fraction.doubleValue() <= 0 || fraction.doubleValue() >= 1) {
      throw McpException.invalidField("validation_split", "must be a fraction between 0 and 1 (exclusive)");
    }
    String scaling = request.getValue("scaling", "none") instanceof String name ? name : "";
    if (!SCALINGS.contains(scaling)) {
      throw McpException.invalidField("scaling", "must be one of " + SCALINGS);
    }
    String label = algorithm.supervised() ? p.string("label") : null;
    return SparkData.lookUp(request, call).map(source -> {
      Map<String, String> columns = SparkData.columns(source);
      if (label != null) {
        String type = columns.get(label);
        if (type == null) {
          throw SparkColumns.unknownColumn("label", label, columns);
        }
        if (!algorithm.classifier() && !SparkColumns.numeric(type)) {
          throw McpException.invalidField("label", "regression needs a numeric label; '" + label + "' is " + type);
        }
        if (algorithm.classifier() && ("double".equals(type) || "timestamp".equals(type))) {
          throw McpException.invalidField("label", "classification needs a categorical label (integer, boolean or"
              + " string); '" + label + "' is " + type);
        }
      }
      Features features = Features.check(request, columns, label);
      return request.copy().mergeIn(features.toParams()).put("max_categories", features.maxCategories())
          .put("version", source.getInteger("version")).put("params", params)
          .put("validation_split", ((Number) split).doubleValue()).put("source", source);
    });
  }

  @Override
  public JsonObject run(JobContext job) throws Exception {
    JsonObject request = job.request();
    String algorithmName = request.getString("algorithm");
    Algorithm algorithm = ALGORITHMS.get(algorithmName);
    Features features = Features.fromParams(request);
    String label = request.getString("label");
    SparkSession spark = job.spark();
    Dataset<Row> data = features.cast(SparkData.read(spark, request.getJsonObject("source")));
    List<Column> kept = new ArrayList<>(features.columns().stream().map(SparkColumns::col).toList());
    Column usable = features.usable();
    if (label != null) {
      Column labelColumn = SparkColumns.col(label);
      kept.add(algorithm.classifier() ? labelColumn : labelColumn.cast(DataTypes.DoubleType).as(label));
      usable = usable.and(labelColumn.isNotNull());
    }
    // read and parsed once: the profile, indexing, imputation, the split and the algorithm's passes use cached rows
    data = data.select(kept.toArray(new Column[0])).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      long[] counts = profile(job, features, data, usable);
      double holdOut = request.getDouble("validation_split");
      Dataset<Row>[] parts = data.filter(usable).randomSplit(new double[]{1 - holdOut, holdOut}, 42L);
      job.log("training " + algorithmName + " on " + features.columns().size() + " features ("
          + features.categorical().size() + " categorical, one-hot encoded; missing values: " + features.missing()
          + ")" + (label == null ? "" : " → " + label));
      job.progress(0.1);
      String labelColumn = algorithm.classifier() ? Pipelines.INDEXED_LABEL : label;
      Pipeline pipeline = pipeline(algorithmName, features, label, request.getJsonObject("params"),
          request.getString("scaling", "none"));
      PipelineModel model = pipeline.fit(parts[0]);
      job.progress(0.6);
      JsonObject metrics = Pipelines.metrics(algorithm.supervised(), algorithm.classifier(), model.transform(parts[1]),
          labelColumn);
      job.log("metrics on the validation split: " + metrics.encode());
      job.progress(0.8);
      return register(job, model, features, metrics).put("rows", counts[0])
          .put("dropped_rows", counts[1]);
    } finally {
      data.unpersist();
    }
  }

  /**
   * One pass over the rows before training: how many there are and how many a missing value drops ({rows, dropped},
   * logged), and the features that cannot train (no value at all; more categories than max_categories), refused by name.
   */
  private static long[] profile(JobContext job, Features features, Dataset<Row> data, Column usable) {
    List<Column> aggregates = new ArrayList<>();
    aggregates.add(functions.sum(functions.when(usable, 0).otherwise(1)).as("dropped"));
    for (String column : features.columns()) {
      aggregates.add(functions.count(SparkColumns.col(column)));
    }
    for (String column : features.categorical()) {
      aggregates.add(functions.approx_count_distinct(SparkColumns.col(column)));
    }
    Row stats = data.agg(functions.count(functions.lit(1)).as("rows"), aggregates.toArray(new Column[0])).first();
    long rows = stats.getLong(0);
    long dropped = stats.isNullAt(1) ? 0 : stats.getLong(1);
    List<String> empty = new ArrayList<>();
    for (int i = 0; i < features.columns().size(); i++) {
      if (stats.getLong(2 + i) == 0) {
        empty.add(features.columns().get(i));
      }
    }
    if (!empty.isEmpty()) {
      throw McpException.invalidField("features", "no row has a value in " + empty + ": list "
          + (empty.size() == 1 ? "it" : "them") + " in \"exclude\"");
    }
    int at = 2 + features.columns().size();
    for (String column : features.categorical()) {
      long distinct = stats.getLong(at++);
      if (distinct > features.maxCategories()) {
        throw McpException.invalidField("features", "string column '" + column + "' has about " + distinct
            + " distinct values, more than max_categories (" + features.maxCategories() + ") one-hot encodes: list"
            + " it in \"exclude\" (an identifier or free text), or raise max_categories");
      }
    }
    job.log(rows + " rows; " + dropped + " left out" + (dropped == 0 ? "" : " (a missing label"
        + ("drop".equals(features.missing()) ? " or feature value" : "") + ")"));
    if (dropped == rows) {
      throw McpException.invalidField("missing", "every one of the " + rows + " rows misses a label or feature"
          + " value: impute them (\"missing\": \"mean\", \"median\" or \"constant\") or exclude the emptiest columns");
    }
    return new long[]{rows, dropped};
  }

  /** Saves the pipeline and its ONNX export, and registers them as the next version of the model. */
  private JsonObject register(JobContext job, PipelineModel model, Features features, JsonObject metrics)
      throws Exception {
    JsonObject request = job.request();
    String algorithmName = request.getString("algorithm");
    StoredObject artifact = saveZipped(job, model);
    JsonObject export = export(job, model);
    String modelName = request.getString("model");
    ensureModel(job, modelName);
    JsonObject version = job.call("model.version.create", export.put("name", modelName).put("format", SparkFormat.NAME)
        .put("description", algorithmName + " trained by execution " + job.id())
        .put("params", request.getJsonObject("params").copy().put("algorithm", algorithmName)
            .mergeIn(features.toParams()).put("label", request.getString("label"))
            .put("scaling", request.getString("scaling", "none")))
        .put("metrics", metrics)
        .put("source", new JsonObject().put("dataset", request.getString("dataset"))
            .put("version", request.getInteger("version")).put("execution", job.id()))
        .put("artifact", artifact.toJson()));
    job.log("registered " + modelName + " version " + version.getInteger("version"));
    return new JsonObject().put("model", modelName).put("version", version.getInteger("version")).put("metrics", metrics);
  }

  /** The pipeline's ONNX export stored beside it ({onnx_artifact, onnx_labels}), or why there is none. */
  private JsonObject export(JobContext job, PipelineModel model) throws Exception {
    OnnxExport.Result export = OnnxExport.of(model);
    if (export.onnx() == null) {
      job.log("no ONNX export: " + export.unsupported());
      return new JsonObject().put("onnx_unsupported", export.unsupported());
    }
    StoredObject onnx = objects.putBlocking(ObjectStore.MODELS, "executions/" + job.id() + "/model.onnx",
        new java.io.ByteArrayInputStream(export.onnx()), "application/octet-stream", "model.onnx");
    job.log("exported as ONNX (" + export.onnx().length + " bytes)");
    JsonObject fields = new JsonObject().put("onnx_artifact", onnx.toJson());
    if (export.labels() != null) {
      fields.put("onnx_labels", new JsonArray(export.labels()));
    }
    return fields;
  }

  /**
   * The pipeline a train request describes: the features into one vector (see Features), optional scaling (standard:
   * zero mean, unit variance; minmax: to [0, 1]), label indexing for classifiers (into
   * {@value Pipelines#INDEXED_LABEL}), then the algorithm.
   */
  static Pipeline pipeline(String algorithmName, Features features, String label, JsonObject params,
                           String scaling) {
    Algorithm algorithm = ALGORITHMS.get(algorithmName);
    String assembled = "none".equals(scaling) ? "features" : "assembled_features";
    List<PipelineStage> stages = new ArrayList<>(features.stages(assembled));
    switch (scaling) {
      case "standard" -> stages.add(new StandardScaler().setWithMean(true).setWithStd(true)
          .setInputCol(assembled).setOutputCol("features"));
      case "minmax" -> stages.add(new MinMaxScaler().setInputCol(assembled).setOutputCol("features"));
      default -> {
      }
    }
    String labelColumn = label;
    if (algorithm.classifier()) {
      stages.add(new StringIndexer().setInputCol(label).setOutputCol(Pipelines.INDEXED_LABEL).setHandleInvalid("skip"));
      labelColumn = Pipelines.INDEXED_LABEL;
    }
    stages.add(estimator(algorithmName, labelColumn, params));
    return new Pipeline().setStages(stages.toArray(new PipelineStage[0]));
  }

  private static PipelineStage estimator(String algorithm, String label, JsonObject params) {
    PipelineStage stage = switch (algorithm) {
      case "logistic_regression" -> new LogisticRegression().setLabelCol(label);
      case "linear_regression" -> new LinearRegression().setLabelCol(label);
      case "random_forest_classifier" -> new RandomForestClassifier().setLabelCol(label);
      case "random_forest_regressor" -> new RandomForestRegressor().setLabelCol(label);
      case "gbt_classifier" -> new GBTClassifier().setLabelCol(label);
      case "gbt_regressor" -> new GBTRegressor().setLabelCol(label);
      case "kmeans" -> new KMeans();
      default -> throw McpException.invalidField("algorithm", algorithm);
    };
    ParamMap map = new ParamMap();
    for (Map.Entry<String, Object> entry : params) {
      Param<Object> param = stage.getParam(entry.getKey());
      Number value = (Number) entry.getValue();
      Object typed = switch (param.getClass().getSimpleName()) {
        case "IntParam" -> value.intValue();
        case "LongParam" -> value.longValue();
        default -> value.doubleValue();
      };
      map.put(param, typed);
    }
    return stage.copy(map);
  }

  /** Saves the pipeline with Spark (to the models bucket), then zips its files into one artifact object. */
  private StoredObject saveZipped(JobContext job, PipelineModel model) throws Exception {
    String prefix = "executions/" + job.id() + "/pipeline";
    model.write().overwrite().save("s3a://" + ObjectStore.MODELS + "/" + prefix);
    Path zip = Files.createTempFile("mlp-pipeline-", ".zip");
    try {
      try (OutputStream out = Files.newOutputStream(zip); ZipOutputStream zipped = new ZipOutputStream(out)) {
        for (String key : objects.keysBlocking(ObjectStore.MODELS, prefix + "/")) {
          String name = key.substring(prefix.length() + 1);
          if (name.isEmpty() || name.endsWith("/") || name.endsWith("_SUCCESS") || name.endsWith(".crc")) {
            continue;
          }
          zipped.putNextEntry(new ZipEntry(name));
          try (InputStream in = objects.openBlocking(ObjectStore.MODELS, key)) {
            in.transferTo(zipped);
          }
          zipped.closeEntry();
        }
      }
      for (String key : objects.keysBlocking(ObjectStore.MODELS, prefix + "/")) {
        objects.removeBlocking(ObjectStore.MODELS, key);
      }
      String key = "executions/" + job.id() + "/model.zip";
      try (InputStream in = Files.newInputStream(zip)) {
        return objects.putBlocking(ObjectStore.MODELS, key, in, "application/zip", "model.zip");
      }
    } finally {
      Files.deleteIfExists(zip);
    }
  }

  private static void ensureModel(JobContext job, String name) throws Exception {
    try {
      job.call("model.get", new JsonObject().put("name", name));
    } catch (java.util.concurrent.ExecutionException e) {
      if (!(e.getCause() instanceof McpException missing) || missing.code() != ErrorCode.NOT_FOUND) {
        throw e;
      }
      try {
        job.call("model.create", new JsonObject().put("name", name).put("description", "trained on the platform"));
      } catch (java.util.concurrent.ExecutionException raced) {
        if (!(raced.getCause() instanceof McpException conflict) || conflict.code() != ErrorCode.CONFLICT) {
          throw raced;
        }
      }
    }
  }
}
