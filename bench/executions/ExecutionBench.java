import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.mlplatform.support.TestModels;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.io.BufferedWriter;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Helpers of bench/executions/run.sh: writes the model and the data, and runs the baseline: the same ONNX scoring as
 * a plain Spark job (read CSV from S3, one onnxruntime session per partition, write CSV to S3).
 */
public final class ExecutionBench {
  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "model" -> Files.write(Path.of(args[1]), TestModels.classifier(Path.of(args[1]).toAbsolutePath().getParent(), 7).onnx());
      case "data" -> data(Path.of(args[1]), Integer.parseInt(args[2]));
      case "baseline" -> baseline(args[1], args[2], args[3], args[4], Path.of(args[5]));
      case "wide" -> wide(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
      case "cancer" -> cancer(Path.of(args[1]));
      case "pipeline-baseline" -> pipelineBaseline(args[1], args[2], args[3], args[4], args[5],
          Integer.parseInt(args[6]));
      default -> throw new IllegalArgumentException(args[0]);
    }
  }

  private static void data(Path file, int rows) throws Exception {
    Random random = new Random(1);
    try (BufferedWriter out = Files.newBufferedWriter(file)) {
      out.write("f0,f1,f2,f3,label\n");
      for (int i = 0; i < rows; i++) {
        double a = random.nextGaussian();
        double b = random.nextGaussian();
        double c = random.nextGaussian();
        double d = random.nextGaussian();
        out.write(String.format("%.5f,%.5f,%.5f,%.5f,%d%n", a, b, c, d, a + b > 0 ? 1 : 0));
      }
    }
  }

  /** ROWS rows of FEATURES doubles f0… and a 0/1 label driven by the first five. */
  private static void wide(Path file, int rows, int features) throws Exception {
    Random random = new Random(1);
    try (BufferedWriter out = Files.newBufferedWriter(file)) {
      StringBuilder line = new StringBuilder();
      for (int f = 0; f < features; f++) {
        line.append('f').append(f).append(',');
      }
      out.write(line.append("label\n").toString());
      for (int i = 0; i < rows; i++) {
        line.setLength(0);
        double score = 0;
        for (int f = 0; f < features; f++) {
          double value = random.nextGaussian();
          score += f < 5 ? value : 0;
          line.append(String.format("%.4f", value)).append(',');
        }
        out.write(line.append(score + random.nextGaussian() > 0 ? 1 : 0).append('\n').toString());
      }
    }
  }

  /** 569 rows shaped like the UCI breast-cancer data: 30 positive measurements of several scales, diagnosis M/B. */
  private static void cancer(Path file) throws Exception {
    Random random = new Random(2);
    try (BufferedWriter out = Files.newBufferedWriter(file)) {
      StringBuilder line = new StringBuilder();
      for (int f = 0; f < 30; f++) {
        line.append("feature_").append(f).append(',');
      }
      out.write(line.append("diagnosis\n").toString());
      for (int i = 0; i < 569; i++) {
        line.setLength(0);
        boolean malignant = random.nextDouble() < 0.37;
        for (int f = 0; f < 30; f++) {
          double scale = Math.pow(10, f % 4 - 1);
          double value = scale * (10 + random.nextGaussian() * 2 + (malignant && f % 3 == 0 ? 3 : 0));
          line.append(String.format("%.5f", Math.abs(value))).append(',');
        }
        out.write(line.append(malignant ? "M" : "B").append('\n').toString());
      }
    }
  }

  /** The trained pipeline's scoring as a plain Spark job: read the CSV, load the pipeline, transform, write CSV. */
  private static void pipelineBaseline(String endpoint, String access, String secret, String key, String pipeline,
                                       int features) throws Exception {
    SparkSession spark = session(endpoint, access, secret);
    List<StructField> fields = new ArrayList<>();
    for (int f = 0; f < features; f++) {
      fields.add(DataTypes.createStructField("f" + f, DataTypes.DoubleType, true));
    }
    fields.add(DataTypes.createStructField("label", DataTypes.LongType, true));
    double seconds = 0;
    for (int run = 0; run < 2; run++) {
      long start = System.nanoTime();
      Dataset<Row> data = spark.read().option("header", "true").schema(DataTypes.createStructType(fields))
          .csv("s3a://datasets/" + key);
      Dataset<Row> scored = org.apache.spark.ml.PipelineModel.load(pipeline).transform(data);
      for (StructField field : scored.schema().fields()) {
        if (field.dataType().typeName().equals("vector")) {
          scored = scored.drop(field.name());
        }
      }
      scored.coalesce(1).write().mode(SaveMode.Overwrite).option("header", "true")
          .csv("s3a://results/baseline-" + System.nanoTime());
      seconds = (System.nanoTime() - start) / 1e9;
    }
    System.out.printf("baseline_seconds=%.2f%n", seconds);
    spark.stop();
  }

  private static SparkSession session(String endpoint, String access, String secret) {
    return SparkSession.builder().appName("baseline").master("local[*]")
        .config("spark.ui.enabled", "false")
        .config("spark.metrics.conf.*.sink.servlet.class", "io.mlplatform.execution.spark.NoHandlersMetricsServlet")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.hadoop.fs.s3a.endpoint", endpoint).config("spark.hadoop.fs.s3a.endpoint.region", "us-east-1")
        .config("spark.hadoop.fs.s3a.path.style.access", "true").config("spark.hadoop.fs.s3a.connection.ssl.enabled", "false")
        .config("spark.hadoop.fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider")
        .config("spark.hadoop.fs.s3a.access.key", access).config("spark.hadoop.fs.s3a.secret.key", secret)
        .getOrCreate();
  }

  private static void baseline(String endpoint, String access, String secret, String key, Path model) throws Exception {
    SparkSession spark = session(endpoint, access, secret);
    byte[] bytes = Files.readAllBytes(model);
    StructType in = DataTypes.createStructType(List.of(
        DataTypes.createStructField("f0", DataTypes.FloatType, true), DataTypes.createStructField("f1", DataTypes.FloatType, true),
        DataTypes.createStructField("f2", DataTypes.FloatType, true), DataTypes.createStructField("f3", DataTypes.FloatType, true),
        DataTypes.createStructField("label", DataTypes.LongType, true)));
    List<StructField> fields = new ArrayList<>(List.of(in.fields()));
    fields.add(DataTypes.createStructField("output_0", DataTypes.DoubleType, true));
    fields.add(DataTypes.createStructField("output_1", DataTypes.DoubleType, true));
    StructType outSchema = DataTypes.createStructType(fields);
    // twice: the first run warms this JVM up as the platform's warm-up run did; the second is timed
    double seconds = 0;
    for (int run = 0; run < 2; run++) {
      long start = System.nanoTime();
      Dataset<Row> data = spark.read().option("header", "true").schema(in).csv("s3a://datasets/" + key);
      MapPartitionsFunction<Row, Row> score = rows -> score(rows, bytes);
      data.mapPartitions(score, Encoders.row(outSchema)).coalesce(1).write().mode(SaveMode.Overwrite)
          .option("header", "true").csv("s3a://results/baseline-" + System.nanoTime());
      seconds = (System.nanoTime() - start) / 1e9;
    }
    System.out.printf("baseline_seconds=%.2f%n", seconds);
    spark.stop();
  }

  private static Iterator<Row> score(Iterator<Row> rows, byte[] model) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    options.setIntraOpNumThreads(1);
    List<Row> out = new ArrayList<>();
    try (OrtSession session = env.createSession(model, options)) {
      List<Row> chunk = new ArrayList<>();
      while (rows.hasNext()) {
        chunk.add(rows.next());
        if (chunk.size() == 1024 || !rows.hasNext()) {
          float[] values = new float[chunk.size() * 4];
          for (int r = 0; r < chunk.size(); r++) {
            for (int f = 0; f < 4; f++) {
              values[r * 4 + f] = chunk.get(r).getFloat(f);
            }
          }
          try (OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(values), new long[]{chunk.size(), 4});
               OrtSession.Result result = session.run(Map.of("input", tensor))) {
            float[][] probabilities = (float[][]) result.get(0).getValue();
            for (int r = 0; r < chunk.size(); r++) {
              Row row = chunk.get(r);
              out.add(RowFactory.create(row.get(0), row.get(1), row.get(2), row.get(3), row.get(4),
                  (double) probabilities[r][0], (double) probabilities[r][1]));
            }
          }
          chunk.clear();
        }
      }
    }
    return out.iterator();
  }
}
