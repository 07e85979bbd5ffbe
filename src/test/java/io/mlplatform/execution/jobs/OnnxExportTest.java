package io.mlplatform.execution.jobs;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.mlplatform.execution.spark.SparkRuntime;
import io.mlplatform.runtime.spark.Features;
import io.mlplatform.runtime.spark.OnnxExport;
import io.vertx.core.json.JsonObject;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every pipeline shape the platform exports to ONNX gives, on onnxruntime, the probabilities (classifiers) or
 * predictions (regressors) Spark gives for the same rows.
 */
@Tag("slow")
class OnnxExportTest {
  private static final List<String> FEATURES = List.of("x1", "x2", "x3");
  private static final Features NUMBERS = new Features(FEATURES, java.util.Set.of(), "drop", 0, 1000);
  private static SparkRuntime spark;
  private static Dataset<Row> data;
  private static OrtEnvironment ort;

  @BeforeAll
  static void start() {
    spark = new SparkRuntime("local[2]", Map.of(), "http://127.0.0.1:1", "unused", "unused");
    StructType schema = new StructType().add("x1", DataTypes.DoubleType).add("x2", DataTypes.DoubleType)
        .add("x3", DataTypes.DoubleType).add("binary", DataTypes.StringType).add("three", DataTypes.StringType)
        .add("y", DataTypes.DoubleType);
    Random random = new Random(7);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      double x1 = random.nextGaussian() * 3 + 10;
      double x2 = random.nextDouble() * 100;
      double x3 = random.nextInt(5);
      double score = (x1 - 10) / 3 + (x2 - 50) / 30 + random.nextGaussian() * 0.5;
      rows.add(RowFactory.create(x1, x2, x3, score > 0 ? "yes" : "no",
          score < -0.7 ? "low" : score < 0.7 ? "mid" : "high", 2 * x1 - 0.05 * x2 + x3 + random.nextGaussian()));
    }
    data = spark.session().createDataFrame(rows, schema);
    ort = OrtEnvironment.getEnvironment();
  }

  @AfterAll
  static void stop() {
    spark.close();
  }

  @ParameterizedTest(name = "{0} on {1} with {2} scaling")
  @CsvSource({
      "logistic_regression, binary, none",
      "logistic_regression, binary, standard",
      "logistic_regression, three, minmax",
      "random_forest_classifier, three, none",
      "random_forest_classifier, binary, standard",
      "gbt_classifier, binary, minmax",
      "linear_regression, y, standard",
      "random_forest_regressor, y, none",
      "gbt_regressor, y, minmax"})
  void onnxGivesSparksOutputs(String algorithm, String label, String scaling) throws Exception {
    JsonObject params = algorithm.contains("forest") ? new JsonObject().put("numTrees", 8).put("maxDepth", 4)
        .put("seed", 3) : algorithm.startsWith("gbt") ? new JsonObject().put("maxIter", 8).put("maxDepth", 3)
        .put("seed", 3) : new JsonObject();
    PipelineModel model = TrainJob.pipeline(algorithm, NUMBERS, label, params, scaling).fit(data);
    OnnxExport.Result export = OnnxExport.of(model);
    assertThat(export.unsupported()).isNull();
    boolean classifier = !"y".equals(label);

    List<Row> scored = model.transform(data).select("x1", "x2", "x3", classifier ? "probability" : "prediction")
        .collectAsList();
    float[][] inputs = new float[scored.size()][];
    for (int i = 0; i < inputs.length; i++) {
      Row row = scored.get(i);
      inputs[i] = new float[]{(float) row.getDouble(0), (float) row.getDouble(1), (float) row.getDouble(2)};
    }
    try (OrtSession session = ort.createSession(export.onnx(), new OrtSession.SessionOptions());
         OnnxTensor input = OnnxTensor.createTensor(ort, inputs);
         OrtSession.Result result = session.run(Map.of("input", input))) {
      float[][] outputs = (float[][]) result.get(0).getValue();
      int differing = differing(outputs, scored, 3, classifier);
      // float32 features may fall on the other side of a tree threshold than Spark's doubles, now and then
      assertThat(differing).as("rows whose ONNX output differs from Spark's").isLessThanOrEqualTo(
          algorithm.contains("forest") || algorithm.startsWith("gbt") ? 3 : 0);
      if (classifier) {
        assertThat(export.labels()).hasSize(outputs[0].length);
        assertThat(outputs[0][0] + outputs[0][outputs[0].length - 1]).isLessThanOrEqualTo(1.0001f);
      }
    }
  }

  @ParameterizedTest(name = "{0} on {1}, strings one-hot encoded, missing numbers: {2}")
  @CsvSource({
      "logistic_regression, binary, mean, standard",
      "logistic_regression, three, drop, none",
      "random_forest_classifier, binary, median, none",
      "gbt_regressor, y, constant, minmax",
      "linear_regression, y, mean, none"})
  void onnxGivesSparksOutputsWithStringsAndNulls(String algorithm, String label, String missing, String scaling)
      throws Exception {
    Features features = new Features(List.of("x1", "color", "x2", "flag", "size"), java.util.Set.of("color", "size"),
        missing, -1, 1000);
    StructType schema = new StructType().add("x1", DataTypes.DoubleType).add("color", DataTypes.StringType)
        .add("x2", DataTypes.LongType).add("flag", DataTypes.BooleanType).add("size", DataTypes.StringType)
        .add("binary", DataTypes.StringType).add("three", DataTypes.StringType).add("y", DataTypes.DoubleType);
    Random random = new Random(11);
    String[] colors = {"red", "green", "blue", "teal", "plum"};
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 700; i++) {
      Double x1 = random.nextInt(10) == 0 ? null : random.nextGaussian() * 2;
      String color = random.nextInt(12) == 0 ? null : colors[random.nextInt(colors.length)];
      long x2 = random.nextInt(50);
      boolean flag = random.nextBoolean();
      String size = i >= 650 ? "enormous" : random.nextBoolean() ? "S" : "L";   // unseen in training below
      double score = (x1 == null ? 0 : x1) + ("red".equals(color) ? 1.5 : "blue".equals(color) ? -1.5 : 0)
          + (x2 - 25) / 15.0 + (flag ? 0.5 : -0.5) + random.nextGaussian() * 0.3;
      rows.add(RowFactory.create(x1, color, x2, flag, size, score > 0 ? "yes" : "no",
          score < -0.7 ? "low" : score < 0.7 ? "mid" : "high", score * 3 + 1));
    }
    Dataset<Row> all = features.cast(spark.session().createDataFrame(rows, schema)).filter(features.usable());
    Dataset<Row> training = all.limit(650);
    JsonObject params = algorithm.contains("forest") ? new JsonObject().put("numTrees", 8).put("maxDepth", 4)
        .put("seed", 3) : algorithm.startsWith("gbt") ? new JsonObject().put("maxIter", 8).put("maxDepth", 3)
        .put("seed", 3) : new JsonObject();
    PipelineModel model = TrainJob.pipeline(algorithm, features, label, params, scaling).fit(training);
    OnnxExport.Result export = OnnxExport.of(model);
    assertThat(export.unsupported()).isNull();
    boolean classifier = !"y".equals(label);

    List<Row> scored = model.transform(all).select(functions.col("x1"), functions.col("color"), functions.col("x2"),
        functions.col("flag"), functions.col("size"), functions.col(classifier ? "probability" : "prediction"))
        .collectAsList();
    assertThat(scored.stream().filter(r -> "enormous".equals(r.getString(4))).count())
        .as("rows with a category unseen in training").isGreaterThan(10);
    if (!"drop".equals(missing)) {
      assertThat(scored.stream().filter(r -> r.isNullAt(0)).count()).as("rows with a missing number").isGreaterThan(10);
    }
    int n = scored.size();
    float[][] x1 = new float[n][1];
    float[][] x2 = new float[n][1];
    float[][] flag = new float[n][1];
    String[][] color = new String[n][1];
    String[][] size = new String[n][1];
    for (int i = 0; i < n; i++) {
      Row row = scored.get(i);
      x1[i][0] = row.isNullAt(0) ? Float.NaN : (float) row.getDouble(0);
      color[i][0] = row.isNullAt(1) ? "" : row.getString(1);
      x2[i][0] = (float) row.getDouble(2);
      flag[i][0] = (float) row.getDouble(3);
      size[i][0] = row.getString(4);
    }
    try (OrtSession session = ort.createSession(export.onnx(), new OrtSession.SessionOptions());
         OnnxTensor t1 = OnnxTensor.createTensor(ort, x1); OnnxTensor t2 = OnnxTensor.createTensor(ort, x2);
         OnnxTensor t3 = OnnxTensor.createTensor(ort, flag); OnnxTensor t4 = OnnxTensor.createTensor(ort, color);
         OnnxTensor t5 = OnnxTensor.createTensor(ort, size);
         OrtSession.Result result = session.run(Map.of("x1", t1, "x2", t2, "flag", t3, "color", t4, "size", t5))) {
      assertThat(session.getInputNames()).containsExactlyInAnyOrder("x1", "color", "x2", "flag", "size");
      float[][] outputs = (float[][]) result.get(0).getValue();
      int differing = differing(outputs, scored, 5, classifier);
      assertThat(differing).as("rows whose ONNX output differs from Spark's").isLessThanOrEqualTo(
          algorithm.contains("forest") || algorithm.startsWith("gbt") ? 3 : 0);
    }
  }

  /** Rows whose ONNX outputs differ from Spark's (its probability vector, or its prediction, in {@code column}). */
  private static int differing(float[][] outputs, List<Row> scored, int column, boolean classifier) {
    int differing = 0;
    for (int i = 0; i < outputs.length; i++) {
      double[] expected = classifier ? ((Vector) scored.get(i).get(column)).toArray()
          : new double[]{scored.get(i).getDouble(column)};
      assertThat(outputs[i]).hasSize(expected.length);
      for (int k = 0; k < expected.length; k++) {
        if (Math.abs(outputs[i][k] - expected[k]) > 1e-3 * Math.max(1, Math.abs(expected[k]))) {
          differing++;
          break;
        }
      }
    }
    return differing;
  }

  @org.junit.jupiter.api.Test
  void kmeansSaysItHasNoExport() {
    PipelineModel model = TrainJob.pipeline("kmeans", NUMBERS, null, new JsonObject().put("k", 2), "none").fit(data);
    assertThat(OnnxExport.of(model).unsupported()).contains("KMeansModel has no ONNX export yet");
  }
}
