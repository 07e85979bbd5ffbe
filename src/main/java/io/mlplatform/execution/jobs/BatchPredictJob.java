package io.mlplatform.execution.jobs;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.mlplatform.mcp.McpException;
import io.mlplatform.mcp.Payload;
import io.mlplatform.storage.ObjectStore;
import io.mlplatform.storage.StoredObject;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * Scores a dataset version with a model version in Spark and writes the input columns plus the predictions as a new
 * dataset (its object in the results bucket). ONNX models run inside the Spark tasks, one onnxruntime session per
 * partition; Spark ML pipelines run natively.
 */
public final class BatchPredictJob implements JobType {
  private static final int CHUNK_ROWS = 1024;

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
          List<String> features;
          switch (format) {
            case "onnx" -> features = onnxFeatures(request, version.getJsonObject("signature"), columns);
            case "spark" -> {
              JsonArray trained = version.getJsonObject("params", new JsonObject()).getJsonArray("features", new JsonArray());
              features = trained.stream().map(String.class::cast).toList();
              for (String feature : features) {
                if (!columns.containsKey(feature)) {
                  throw McpException.invalidField("dataset", "the model was trained on column '" + feature
                      + "', which this dataset lacks (columns: " + columns.keySet() + ")");
                }
              }
            }
            default -> throw McpException.invalidField("model", "batch scoring takes onnx or spark models; version "
                + version.getInteger("version") + " is " + format);
          }
          return request.copy().put("model_version", version.getInteger("version")).put("format", format)
              .put("model_artifact", version.getJsonObject("artifact")).put("features", new JsonArray(features))
              .put("version", source.getInteger("version")).put("source", source);
        }));
  }

  /** An ONNX model with one input of shape [-1, n] takes n feature columns, named in the request, all numeric. */
  private static List<String> onnxFeatures(JsonObject request, JsonObject signature, Map<String, String> columns) {
    JsonArray inputs = signature.getJsonArray("inputs");
    JsonObject input = inputs.getJsonObject(0);
    JsonArray shape = input.getJsonArray("shape", new JsonArray());
    if (inputs.size() != 1 || shape.size() != 2 || shape.getLong(1) < 1) {
      throw McpException.invalidField("model", "batch scoring takes ONNX models with one input of shape [-1, n]; this"
          + " one has " + inputs.encode());
    }
    JsonArray given = request.getJsonArray("features");
    long width = shape.getLong(1);
    if (given == null || given.size() != width) {
      throw McpException.invalidField("features", "the model's input '" + input.getString("name") + "' takes " + width
          + " values a row: name " + width + " numeric columns in features");
    }
    List<String> features = new ArrayList<>();
    for (Object feature : given) {
      String type = columns.get(String.valueOf(feature));
      if (type == null) {
        throw SparkData.unknownColumn("features", String.valueOf(feature), columns);
      }
      if (!SparkData.numeric(type)) {
        throw McpException.invalidField("features", "column '" + feature + "' is " + type + ", not numeric");
      }
      features.add((String) feature);
    }
    return features;
  }

  @Override
  public JsonObject run(JobContext job) throws Exception {
    JsonObject request = job.request();
    Dataset<Row> data = SparkData.read(job.spark(), request.getJsonObject("source"));
    List<String> features = request.getJsonArray("features").stream().map(String.class::cast).toList();
    StoredObject artifact = StoredObject.fromJson(request.getJsonObject("model_artifact"));
    job.progress(0.1);
    Dataset<Row> scored = "onnx".equals(request.getString("format"))
        ? scoreOnnx(data, features, readAll(artifact))
        : scoreSpark(job, data, artifact);
    job.log("scoring " + request.getString("dataset") + " v" + request.getInteger("version") + " with "
        + request.getString("model") + " v" + request.getInteger("model_version"));
    JsonObject lineage = new JsonObject().put("dataset", request.getString("dataset"))
        .put("version", request.getInteger("version")).put("model", request.getString("model"))
        .put("model_version", request.getInteger("model_version")).put("execution", job.id());
    JsonObject output = new DatasetOutputs(objects, DatasetOutputs.format(request)).write(job, scored, ObjectStore.RESULTS, request.getString("output"), lineage);
    return new JsonObject().put("outputs", new JsonArray().add(output));
  }

  private byte[] readAll(StoredObject artifact) throws Exception {
    try (InputStream in = objects.openBlocking(artifact.bucket(), artifact.key())) {
      return in.readAllBytes();
    }
  }

  /** The ONNX model scores each partition in chunks, one session per partition. */
  private static Dataset<Row> scoreOnnx(Dataset<Row> data, List<String> features, byte[] model) throws Exception {
    List<String> outputs;
    List<Integer> widths = new ArrayList<>();
    OrtEnvironment environment = OrtEnvironment.getEnvironment();
    try (OrtSession probe = environment.createSession(model, new OrtSession.SessionOptions())) {
      outputs = new ArrayList<>(probe.getOutputNames());
      for (String name : outputs) {
        long[] shape = ((ai.onnxruntime.TensorInfo) probe.getOutputInfo().get(name).getInfo()).getShape();
        widths.add(shape.length < 2 ? 1 : (int) Math.max(1, shape[1]));
      }
    }
    Dataset<Row> input = data;
    for (String feature : features) {
      input = input.withColumn(feature, functions.col(feature).cast(DataTypes.FloatType));
    }
    List<StructField> fields = new ArrayList<>(List.of(input.schema().fields()));
    for (int o = 0; o < outputs.size(); o++) {
      for (int w = 0; w < widths.get(o); w++) {
        fields.add(DataTypes.createStructField(widths.get(o) == 1 ? outputs.get(o) : outputs.get(o) + "_" + w,
            DataTypes.DoubleType, true));
      }
    }
    StructType schema = DataTypes.createStructType(fields);
    int[] featureIndexes = features.stream().mapToInt(f -> List.of(data.columns()).indexOf(f)).toArray();
    String inputName;
    try (OrtSession probe = environment.createSession(model, new OrtSession.SessionOptions())) {
      inputName = probe.getInputNames().iterator().next();
    }
    String tensorName = inputName;
    List<Integer> outputWidths = List.copyOf(widths);
    List<String> outputNames = List.copyOf(outputs);
    MapPartitionsFunction<Row, Row> score = rows -> scorePartition(rows, model, tensorName, featureIndexes,
        outputNames, outputWidths);
    return input.mapPartitions(score, Encoders.row(schema));
  }

  private static Iterator<Row> scorePartition(Iterator<Row> rows, byte[] model, String inputName, int[] features,
                                              List<String> outputs, List<Integer> widths) throws Exception {
    OrtEnvironment environment = OrtEnvironment.getEnvironment();
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    options.setIntraOpNumThreads(1);
    List<Row> scored = new ArrayList<>();
    try (OrtSession session = environment.createSession(model, options)) {
      List<Row> chunk = new ArrayList<>(CHUNK_ROWS);
      while (rows.hasNext()) {
        chunk.add(rows.next());
        if (chunk.size() == CHUNK_ROWS || !rows.hasNext()) {
          float[] values = new float[chunk.size() * features.length];
          for (int r = 0; r < chunk.size(); r++) {
            for (int f = 0; f < features.length; f++) {
              Object value = chunk.get(r).get(features[f]);
              values[r * features.length + f] = value == null ? Float.NaN : ((Number) value).floatValue();
            }
          }
          try (OnnxTensor tensor = OnnxTensor.createTensor(environment, FloatBuffer.wrap(values),
                  new long[]{chunk.size(), features.length});
               OrtSession.Result result = session.run(Map.of(inputName, tensor))) {
            List<float[]> columns = new ArrayList<>();
            for (String output : outputs) {
              OnnxValue value = result.get(output).orElseThrow();
              FloatBuffer buffer = ((OnnxTensor) value).getFloatBuffer();
              float[] flat = new float[buffer.remaining()];
              buffer.get(flat);
              columns.add(flat);
            }
            for (int r = 0; r < chunk.size(); r++) {
              Row row = chunk.get(r);
              List<Object> cells = new ArrayList<>(row.size() + 4);
              for (int c = 0; c < row.size(); c++) {
                cells.add(row.get(c));
              }
              for (int o = 0; o < outputs.size(); o++) {
                for (int w = 0; w < widths.get(o); w++) {
                  cells.add((double) columns.get(o)[r * widths.get(o) + w]);
                }
              }
              scored.add(RowFactory.create(cells.toArray()));
            }
          }
          chunk.clear();
        }
      }
    }
    return scored.iterator();
  }

  /** A saved Spark pipeline: unzipped to a local folder and loaded, then applied; vector columns are dropped. */
  private Dataset<Row> scoreSpark(JobContext job, Dataset<Row> data, StoredObject artifact) throws Exception {
    Dataset<Row> scored = loadPipeline(objects, artifact).transform(data);
    for (StructField field : scored.schema().fields()) {
      if (field.dataType().typeName().equals("vector")) {
        scored = scored.drop(field.name());
      }
    }
    return scored;
  }

  /** A zipped saved pipeline, loaded through a local folder that is gone once it is loaded. */
  static PipelineModel loadPipeline(ObjectStore objects, StoredObject artifact) throws Exception {
    Path folder = Files.createTempDirectory("mlp-pipeline-");
    try (InputStream in = objects.openBlocking(artifact.bucket(), artifact.key()); ZipInputStream zip = new ZipInputStream(in)) {
      for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
        Path target = folder.resolve(entry.getName()).normalize();
        if (!target.startsWith(folder) || entry.isDirectory()) {
          continue;
        }
        Files.createDirectories(target.getParent());
        Files.copy(zip, target);
      }
    }
    PipelineModel model;
    try {
      model = PipelineModel.load(folder.toUri().toString());
    } finally {
      try (var files = Files.walk(folder)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
      }
    }
    return model;
  }
}
