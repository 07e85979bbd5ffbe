package io.mlplatform.runtime.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.mlplatform.mcp.McpException;
import io.mlplatform.runtime.PartitionScorer;
import io.mlplatform.runtime.SparkColumns;
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

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * An ONNX model scores a dataset inside Spark tasks: each partition opens one onnxruntime session and scores its rows
 * in chunks; the rows keep their columns and gain one per output value.
 */
final class OnnxScoring extends PartitionScorer {
  private static final int CHUNK_ROWS = 1024;

  /** An ONNX model with one input of shape [-1, n] takes n feature columns, named in the request, all numeric. */
  @Override
  protected List<String> features(JsonObject request, JsonObject signature, Map<String, String> columns) {
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
        throw SparkColumns.unknownColumn("features", String.valueOf(feature), columns);
      }
      if (!SparkColumns.numeric(type)) {
        throw McpException.invalidField("features", "column '" + feature + "' is " + type + ", not numeric");
      }
      features.add((String) feature);
    }
    return features;
  }

  /** The model scores each partition in chunks, one session per partition. */
  @Override
  protected Dataset<Row> score(Dataset<Row> data, List<String> features, byte[] model) throws Exception {
    List<String> outputs;
    List<Integer> widths = new ArrayList<>();
    String inputName;
    OrtEnvironment environment = OrtEnvironment.getEnvironment();
    try (OrtSession probe = environment.createSession(model, new OrtSession.SessionOptions())) {
      inputName = probe.getInputNames().iterator().next();
      outputs = new ArrayList<>(probe.getOutputNames());
      for (String name : outputs) {
        long[] shape = ((TensorInfo) probe.getOutputInfo().get(name).getInfo()).getShape();
        widths.add(shape.length < 2 ? 1 : (int) Math.max(1, shape[1]));
      }
    }
    Dataset<Row> input = SparkColumns.cast(data, features, DataTypes.FloatType);
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
}
