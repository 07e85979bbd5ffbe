package io.mlplatform.execution.jobs;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.mlplatform.mcp.McpException;
import io.mlplatform.storage.ObjectStore;
import io.mlplatform.storage.StoredObject;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.pmml4s.model.Model;
import org.pmml4s.metadata.Field;
import org.pmml4s.metadata.OutputField;

import java.io.InputStream;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Scores a dataset with an ONNX or PMML model inside Spark tasks: each partition loads the model once (an
 * onnxruntime session, a pmml4s model) and keeps the input columns, adding one column per output value.
 */
final class Scoring {
  private static final int CHUNK_ROWS = 1024;

  private Scoring() {
  }

  /** The dataset columns a model takes, checked before queueing: named in "features" (ONNX) or by the PMML fields. */
  static List<String> features(String format, JsonObject request, JsonObject signature, Map<String, String> columns) {
    return switch (format) {
      case "onnx" -> onnxFeatures(request, signature, columns);
      case "pmml" -> {
        List<String> fields = new ArrayList<>();
        for (Object input : signature.getJsonArray("inputs")) {
          String name = ((JsonObject) input).getString("name");
          if (!columns.containsKey(name)) {
            throw McpException.invalidField("dataset", "the model takes field '" + name + "', which this dataset"
                + " lacks (columns: " + columns.keySet() + ")");
          }
          fields.add(name);
        }
        yield fields;
      }
      default -> throw McpException.invalidField("model", "in-Spark scoring takes onnx or pmml models, not " + format);
    };
  }

  /** An ONNX model with one input of shape [-1, n] takes n feature columns, named in the request, all numeric. */
  private static List<String> onnxFeatures(JsonObject request, JsonObject signature, Map<String, String> columns) {
    JsonArray inputs = signature.getJsonArray("inputs");
    JsonObject input = inputs.getJsonObject(0);
    JsonArray shape = input.getJsonArray("shape", new JsonArray());
    if (inputs.size() != 1 || shape.size() != 2 || shape.getLong(1) < 1) {
      throw McpException.invalidField("model", "scoring in Spark takes ONNX models with one input of shape [-1, n];"
          + " this one has " + inputs.encode());
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

  /** Scores with the model file stored at {@code artifact} (read whole: the tasks get it in their closure). */
  static Dataset<Row> score(String format, Dataset<Row> data, List<String> features, ObjectStore objects,
                            StoredObject artifact) throws Exception {
    byte[] model;
    try (InputStream in = objects.openBlocking(artifact.bucket(), artifact.key())) {
      model = in.readAllBytes();
    }
    return "pmml".equals(format) ? pmml(data, features, model) : onnx(data, features, model);
  }

  /** The ONNX model scores each partition in chunks, one session per partition. */
  static Dataset<Row> onnx(Dataset<Row> data, List<String> features, byte[] model) throws Exception {
    List<String> outputs;
    List<Integer> widths = new ArrayList<>();
    String inputName;
    OrtEnvironment environment = OrtEnvironment.getEnvironment();
    try (OrtSession probe = environment.createSession(model, new OrtSession.SessionOptions())) {
      inputName = probe.getInputNames().iterator().next();
      outputs = new ArrayList<>(probe.getOutputNames());
      for (String name : outputs) {
        long[] shape = ((ai.onnxruntime.TensorInfo) probe.getOutputInfo().get(name).getInfo()).getShape();
        widths.add(shape.length < 2 ? 1 : (int) Math.max(1, shape[1]));
      }
    }
    Dataset<Row> input = SparkData.cast(data, features, DataTypes.FloatType);
    List<StructField> fields = new ArrayList<>(List.of(input.schema().fields()));
    for (int o = 0; o < outputs.size(); o++) {
      for (int w = 0; w < widths.get(o); w++) {
        fields.add(DataTypes.createStructField(widths.get(o) == 1 ? outputs.get(o) : outputs.get(o) + "_" + w,
            DataTypes.DoubleType, true));
      }
    }
    StructType schema = DataTypes.createStructType(fields);
    int[] featureIndexes = features.stream().mapToInt(f -> List.of(data.columns()).indexOf(f)).toArray();
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

  /** The PMML model scores each row of a partition; its output fields become columns (numbers or text). */
  static Dataset<Row> pmml(Dataset<Row> data, List<String> features, byte[] bytes) {
    io.mlplatform.runtime.pmml.PmmlDocuments.requireNoDoctype(bytes);
    Model probe = Model.fromBytes(bytes);
    List<String> outputs = new ArrayList<>();
    List<Boolean> numeric = new ArrayList<>();
    List<StructField> fields = new ArrayList<>(List.of(data.schema().fields()));
    for (OutputField output : probe.outputFields()) {
      outputs.add(output.name());
      numeric.add(output.dataType().isNumeric());
      fields.add(DataTypes.createStructField(output.name(), output.dataType().isNumeric() ? DataTypes.DoubleType
          : DataTypes.StringType, true));
    }
    Map<String, Boolean> numericInputs = new HashMap<>();
    for (Field input : probe.inputFields()) {
      numericInputs.put(input.name(), input.isNumeric());
    }
    int[] indexes = features.stream().mapToInt(f -> List.of(data.columns()).indexOf(f)).toArray();
    List<String> names = List.copyOf(features);
    MapPartitionsFunction<Row, Row> score = rows -> {
      Model model = Model.fromBytes(bytes);
      List<Row> scored = new ArrayList<>();
      while (rows.hasNext()) {
        Row row = rows.next();
        Map<String, Object> record = new HashMap<>();
        for (int f = 0; f < indexes.length; f++) {
          Object value = row.get(indexes[f]);
          record.put(names.get(f), value == null ? null : Boolean.TRUE.equals(numericInputs.get(names.get(f)))
              && value instanceof Number number ? (Object) number.doubleValue() : value.toString());
        }
        Map<String, Object> predicted = model.predict(record);
        List<Object> cells = new ArrayList<>(row.size() + outputs.size());
        for (int c = 0; c < row.size(); c++) {
          cells.add(row.get(c));
        }
        for (int o = 0; o < outputs.size(); o++) {
          Object value = predicted.get(outputs.get(o));
          cells.add(value == null ? null : numeric.get(o)
              ? (value instanceof Number number ? number.doubleValue() : null) : value.toString());
        }
        scored.add(RowFactory.create(cells.toArray()));
      }
      return scored.iterator();
    };
    return data.mapPartitions(score, Encoders.row(DataTypes.createStructType(fields)));
  }
}
