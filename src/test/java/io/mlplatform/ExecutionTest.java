package io.mlplatform;

import io.mlplatform.support.Api;
import io.mlplatform.support.FromNode;
import io.mlplatform.support.NodeSettings;
import io.mlplatform.support.Prometheus;
import io.mlplatform.support.SharedNode;
import io.mlplatform.support.Waits;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;

import static io.mlplatform.support.Waits.matching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;

@Tag("slow")
@ExtendWith(SharedNode.class)
@NodeSettings({"MLP_SPARK_MASTER=local[2]", "MLP_EXECUTION_LEASE_MS=3000"})
@DisplayName("Executions on Spark through the durable queue")
class ExecutionTest {
  @TempDir
  static Path dir;
  @FromNode static Node node;
  @FromNode static Api api;

  @BeforeAll
  static void start() {
    StringBuilder csv = new StringBuilder("id,amount,score,city\n");
    for (int i = 1; i <= 200; i++) {
      csv.append(i).append(',').append(i * 1.5).append(',').append(i % 10).append(',').append(i % 2 == 0 ? "Lyon" : "Paris").append('\n');
    }
    assertThat(api.upload("/api/datasets", Map.of("name", "sales"), "sales.csv", csv.toString().getBytes()).status())
        .isEqualTo(201);
    java.util.Random random = new java.util.Random(3);
    StringBuilder labelled = new StringBuilder("x1,x2,noise,label\n");
    for (int i = 0; i < 400; i++) {
      double x1 = random.nextGaussian();
      double x2 = random.nextGaussian();
      labelled.append(x1).append(',').append(x2).append(',').append(random.nextInt(5)).append(',')
          .append(x1 + 2 * x2 > 0 ? 1 : 0).append('\n');
    }
    assertThat(api.upload("/api/datasets", Map.of("name", "points"), "points.csv", labelled.toString().getBytes())
        .status()).isEqualTo(201);
  }

  @Test
  @DisplayName("training a logistic regression registers a spark model version with its metrics, params and lineage")
  void train() {
    Api.Response queued = api.postJson("/api/executions", new JsonObject().put("type", "train").put("dataset", "points")
        .put("algorithm", "logistic_regression").put("features", new JsonArray().add("x1").add("x2").add("noise"))
        .put("label", "label").put("params", new JsonObject().put("maxIter", 50).put("regParam", 0.01))
        .put("model", "points-clf"));
    assertThat(queued.status()).as(queued.text()).isEqualTo(202);
    JsonObject done = awaitEnd(queued.json().getString("id"));
    assertThat(done.getString("status")).as(done.encode()).isEqualTo("succeeded");
    JsonObject version = api.get("/api/models/points-clf/versions/latest").json();
    assertThat(version.getString("created_by")).as("the job registers the version on behalf of its caller")
        .isEqualTo("anonymous");
    assertThat(version.getString("format")).isEqualTo("spark");
    assertThat(version.getJsonObject("metrics").getDouble("auc")).isGreaterThan(0.9);
    assertThat(version.getJsonObject("metrics").getDouble("accuracy")).isGreaterThan(0.8);
    assertThat(version.getJsonObject("params").getInteger("maxIter")).isEqualTo(50);
    assertThat(version.getJsonObject("source")).isEqualTo(new JsonObject().put("dataset", "points").put("version", 1)
        .put("execution", done.getString("id")));
    assertThat(version.getJsonObject("details").getString("class")).isEqualTo("org.apache.spark.ml.PipelineModel");
    assertThat(api.get("/api/models/points-clf/versions/latest/artifact").status()).isEqualTo(200);

    // the trained pipeline scores a whole dataset natively in Spark
    Api.Response scoring = api.postJson("/api/executions", new JsonObject().put("type", "batch_predict")
        .put("model", "points-clf").put("dataset", "points").put("output", "points-scored"));
    assertThat(scoring.status()).as(scoring.text()).isEqualTo(202);
    JsonObject scored = awaitEnd(scoring.json().getString("id"));
    assertThat(scored.getString("status")).as(scored.encode()).isEqualTo("succeeded");
    JsonObject result = api.get("/api/datasets/points-scored/versions/1").json();
    assertThat(result.getLong("row_count")).isEqualTo(400);
    assertThat(result.getJsonObject("artifact").getString("bucket")).isEqualTo("results");
    assertThat(result.getJsonArray("schema").stream().map(c -> ((JsonObject) c).getString("name")))
        .contains("x1", "label", "prediction", "predicted_label").doesNotContain("label_index");
    long agree = api.get("/api/datasets/points-scored/versions/1/preview?limit=400").json().getJsonArray("rows").stream()
        .map(JsonObject.class::cast)
        .filter(row -> row.getValue("predicted_label").toString().equals(row.getValue("label").toString())).count();
    assertThat(agree).isGreaterThan(320);

    // evaluated on a labelled dataset: the metrics land on the execution and on the version
    JsonObject evaluated = awaitEnd(api.postJson("/api/executions", new JsonObject().put("type", "evaluate")
        .put("model", "points-clf").put("dataset", "points")).json().getString("id"));
    assertThat(evaluated.getString("status")).as(evaluated.encode()).isEqualTo("succeeded");
    assertThat(evaluated.getJsonObject("result").getJsonObject("metrics").getDouble("accuracy")).isGreaterThan(0.8);
    JsonObject evaluation = api.get("/api/models/points-clf/versions/latest").json().getJsonArray("evaluations")
        .getJsonObject(0);
    assertThat(evaluation.getString("execution")).isEqualTo(evaluated.getString("id"));
    assertThat(evaluation.getJsonObject("metrics").getDouble("auc")).isGreaterThan(0.9);
    assertThat(api.postJson("/api/executions", new JsonObject().put("type", "evaluate").put("model", "points-clf")
        .put("dataset", "sales")).status()).isEqualTo(400);

    // exported as ONNX at registration: deployed, it serves online on onnxruntime with the pipeline's outputs
    JsonObject onnx = version.getJsonObject("onnx");
    assertThat(onnx.getBoolean("supported")).as(version.encode()).isTrue();
    assertThat(onnx.getJsonObject("signature").getJsonArray("inputs").getJsonObject(0).getJsonArray("shape"))
        .isEqualTo(new JsonArray().add(-1).add(3));
    assertThat(api.postJson("/api/deployments", new JsonObject().put("name", "points-online").put("model", "points-clf"))
        .status()).isEqualTo(201);
    JsonObject firstRow = api.get("/api/datasets/points-scored/versions/1/preview?limit=1").json().getJsonArray("rows")
        .getJsonObject(0);
    JsonObject request = new JsonObject().put("inputs", new JsonArray().add(new JsonArray()
        .add(firstRow.getDouble("x1")).add(firstRow.getDouble("x2")).add(firstRow.getDouble("noise"))));
    Api.Response online = await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
        .until(() -> api.postJson("/api/deployments/points-online/predict", request),
            matching("a prediction of points-online", response -> response.status() == 200));
    JsonArray probability = online.json().getJsonArray("outputs").getJsonObject(0).getJsonArray("probability");
    int predicted = probability.getDouble(1) > probability.getDouble(0) ? 1 : 0;
    assertThat((double) predicted).isEqualTo(firstRow.getDouble("prediction"));
    assertThat(onnx.getJsonArray("labels")).hasSize(2);

    Api.Response regression = api.postJson("/api/executions", new JsonObject().put("type", "train")
        .put("dataset", "points").put("algorithm", "linear_regression").put("features", new JsonArray().add("x1"))
        .put("label", "x2").put("model", "points-reg"));
    JsonObject fitted = awaitEnd(regression.json().getString("id"));
    assertThat(fitted.getString("status")).as(fitted.encode()).isEqualTo("succeeded");
    assertThat(fitted.getJsonObject("result").getJsonObject("metrics").fieldNames()).contains("rmse", "r2");
  }

  @Test
  @DisplayName("an ONNX model scores a dataset inside Spark tasks with the model's own outputs")
  void batchPredictOnnx() throws Exception {
    io.mlplatform.support.TestModels.Classifier classifier = io.mlplatform.support.TestModels.classifier(dir, 7);
    api.postJson("/api/models", new JsonObject().put("name", "onnx-clf"));
    api.upload("/api/models/onnx-clf/versions", Map.of("format", "onnx"), "m.onnx", classifier.onnx());
    JsonObject request = new JsonObject().put("type", "batch_predict").put("model", "onnx-clf").put("dataset", "points")
        .put("features", new JsonArray().add("x1").add("x2").add("noise").add("label")).put("output", "onnx-scored");
    Api.Response wrongWidth = api.postJson("/api/executions", request.copy().put("features", new JsonArray().add("x1")));
    assertThat(wrongWidth.status()).isEqualTo(400);
    assertThat(wrongWidth.errorMessage()).contains("4 values");
    JsonObject done = awaitEnd(api.postJson("/api/executions", request).json().getString("id"));
    assertThat(done.getString("status")).as(done.encode()).isEqualTo("succeeded");
    JsonArray rows = api.get("/api/datasets/onnx-scored/versions/1/preview?limit=5").json().getJsonArray("rows");
    for (Object r : rows) {
      JsonObject row = (JsonObject) r;
      double[] expected = classifier.probabilities(row.getDouble("x1").floatValue(), row.getDouble("x2").floatValue(),
          row.getDouble("noise").floatValue(), row.getDouble("label").floatValue());
      assertThat(row.getDouble("output_0")).isCloseTo(expected[0], within(1e-4));
      assertThat(row.getDouble("output_1")).isCloseTo(expected[1], within(1e-4));
    }
  }

  @Test
  @DisplayName("PMML models score inside Spark; ONNX and PMML models are evaluated against a labelled dataset")
  void scoredModelsEvaluated() throws Exception {
    StringBuilder linear = new StringBuilder("x1,x2,y\n");
    Random random = new Random(11);
    for (int i = 0; i < 60; i++) {
      double x1 = Math.round(random.nextGaussian() * 100) / 100.0;
      double x2 = Math.round(random.nextGaussian() * 100) / 100.0;
      linear.append(x1).append(',').append(x2).append(',').append(1 + 2 * x1 - x2).append('\n');
    }
    api.upload("/api/datasets", Map.of("name", "linear"), "linear.csv", linear.toString().getBytes());
    api.postJson("/api/models", new JsonObject().put("name", "pmml-reg"));
    api.upload("/api/models/pmml-reg/versions", Map.of("format", "pmml"), "m.pmml",
        io.mlplatform.support.TestModels.pmmlRegression());
    JsonObject scored = awaitEnd(api.postJson("/api/executions", new JsonObject().put("type", "batch_predict")
        .put("model", "pmml-reg").put("dataset", "linear").put("output", "linear-scored")).json().getString("id"));
    assertThat(scored.getString("status")).as(scored.encode()).isEqualTo("succeeded");
    for (Object r : api.get("/api/datasets/linear-scored/versions/1/preview?limit=5").json().getJsonArray("rows")) {
      JsonObject row = (JsonObject) r;
      assertThat(row.getDouble("predicted_y")).as(row.encode()).isCloseTo(row.getDouble("y"), within(1e-9));
    }
    JsonObject regression = awaitEnd(api.postJson("/api/executions", new JsonObject().put("type", "evaluate")
        .put("model", "pmml-reg").put("dataset", "linear").put("label", "y")).json().getString("id"));
    assertThat(regression.getString("status")).as(regression.encode()).isEqualTo("succeeded");
    JsonObject fit = regression.getJsonObject("result").getJsonObject("metrics");
    assertThat(fit.getDouble("rmse")).isLessThan(1e-9);
    assertThat(fit.getDouble("r2")).isCloseTo(1.0, within(1e-9));

    // labels = the ONNX model's own choice, 10 of 100 flipped: accuracy is exactly 0.9
    io.mlplatform.support.TestModels.Classifier classifier = io.mlplatform.support.TestModels.classifier(dir, 5);
    api.postJson("/api/models", new JsonObject().put("name", "onnx-judged"));
    api.upload("/api/models/onnx-judged/versions", Map.of("format", "onnx"), "m.onnx", classifier.onnx());
    StringBuilder judged = new StringBuilder("f0,f1,f2,f3,truth\n");
    int rows = 0;
    while (rows < 100) {
      float[] f = {(float) random.nextGaussian(), (float) random.nextGaussian(), (float) random.nextGaussian(),
          (float) random.nextGaussian()};
      double[] p = classifier.probabilities(f);
      if (Math.abs(p[1] - p[0]) < 1e-3) {
        continue;
      }
      boolean second = p[1] > p[0] ^ rows < 10;
      judged.append(f[0]).append(',').append(f[1]).append(',').append(f[2]).append(',').append(f[3]).append(',')
          .append(second ? "b" : "a").append('\n');
      rows++;
    }
    api.upload("/api/datasets", Map.of("name", "judged"), "judged.csv", judged.toString().getBytes());
    JsonObject request = new JsonObject().put("type", "evaluate").put("model", "onnx-judged").put("dataset", "judged")
        .put("label", "truth").put("features", new JsonArray().add("f0").add("f1").add("f2").add("f3"))
        .put("labels", new JsonArray().add("a").add("b"));
    JsonObject classified = awaitEnd(api.postJson("/api/executions", request).json().getString("id"));
    assertThat(classified.getString("status")).as(classified.encode()).isEqualTo("succeeded");
    JsonObject metrics = classified.getJsonObject("result").getJsonObject("metrics");
    assertThat(metrics.getDouble("accuracy")).isCloseTo(0.9, within(1e-9));
    assertThat(metrics.getDouble("auc")).isBetween(0.8, 1.0);
    assertThat(api.get("/api/models/onnx-judged/versions/1").json().getJsonArray("evaluations").getJsonObject(0)
        .getJsonObject("metrics").getDouble("accuracy")).isCloseTo(0.9, within(1e-9));
    assertThat(api.postJson("/api/executions", request.copy().put("label", "nope")).errorMessage()).contains("nope");
    assertThat(api.postJson("/api/executions", request.copy().put("features", new JsonArray().add("f0")))
        .errorMessage()).contains("4 values");
    // class names that are not names are refused before queueing (a job reading one would fail half way)
    Api.Response labels = api.postJson("/api/executions", request.copy().put("labels", new JsonArray().add("a").add(2)));
    assertThat(labels.status()).isEqualTo(400);
    assertThat(labels.errorMessage()).contains("labels");
  }

  @Test
  @DisplayName("training requests naming unknown columns, a bad label or unknown params are refused before queueing")
  void trainRefused() {
    JsonObject base = new JsonObject().put("type", "train").put("dataset", "points").put("algorithm", "logistic_regression")
        .put("features", new JsonArray().add("x1")).put("label", "label").put("model", "m");
    Api.Response feature = api.postJson("/api/executions", base.copy().put("features", new JsonArray().add("x9")));
    assertThat(feature.status()).isEqualTo(400);
    assertThat(feature.errorMessage()).contains("x9");
    Api.Response label = api.postJson("/api/executions", base.copy().put("label", "x2"));
    assertThat(label.status()).isEqualTo(400);
    assertThat(label.errorMessage()).contains("categorical");
    Api.Response param = api.postJson("/api/executions", base.copy().put("params", new JsonObject().put("numTrees", 5)));
    assertThat(param.status()).isEqualTo(400);
    assertThat(param.errorMessage()).contains("numTrees");
    Api.Response algorithm = api.postJson("/api/executions", base.copy().put("algorithm", "svm"));
    assertThat(algorithm.status()).isEqualTo(400);
  }

  @Test
  @DisplayName("a split written as Parquet trains a scaled random forest (exported as ONNX) and evaluates it")
  void parquetOutputsAndTrees() {
    JsonObject split = awaitEnd(api.postJson("/api/executions", new JsonObject().put("type", "transform")
        .put("dataset", "points").put("output", "points-pq").put("output_format", "parquet")
        .put("split", new JsonObject().put("train", 0.8))).json().getString("id"));
    assertThat(split.getString("status")).as(split.encode()).isEqualTo("succeeded");
    JsonObject train = api.get("/api/datasets/points-pq-train/versions/1").json();
    assertThat(train.getString("format")).isEqualTo("parquet");
    assertThat(train.getJsonObject("artifact").getString("key")).endsWith(".parquet");
    assertThat(train.getJsonArray("schema").getJsonObject(0)).isEqualTo(new JsonObject().put("name", "x1")
        .put("type", "double").put("nullable", true));
    assertThat(api.get("/api/datasets/points-pq-test/versions/1/preview?limit=5").json().getJsonArray("rows"))
        .hasSize(5);

    JsonObject trained = awaitEnd(api.postJson("/api/executions", new JsonObject().put("type", "train")
        .put("dataset", "points-pq-train").put("algorithm", "random_forest_classifier").put("scaling", "standard")
        .put("features", new JsonArray().add("x1").add("x2").add("noise")).put("label", "label")
        .put("params", new JsonObject().put("numTrees", 10).put("maxDepth", 4)).put("model", "points-forest"))
        .json().getString("id"));
    assertThat(trained.getString("status")).as(trained.encode()).isEqualTo("succeeded");
    JsonObject version = api.get("/api/models/points-forest/versions/latest").json();
    assertThat(version.getJsonObject("params").getString("scaling")).isEqualTo("standard");
    assertThat(version.getJsonObject("onnx").getBoolean("supported")).as(version.encode()).isTrue();
    assertThat(version.getJsonObject("onnx").getJsonObject("signature").getJsonArray("outputs").getJsonObject(0)
        .getJsonArray("shape")).isEqualTo(new JsonArray().add(-1).add(2));

    JsonObject evaluated = awaitEnd(api.postJson("/api/executions", new JsonObject().put("type", "evaluate")
        .put("model", "points-forest").put("dataset", "points-pq-test")).json().getString("id"));
    assertThat(evaluated.getString("status")).as(evaluated.encode()).isEqualTo("succeeded");
    assertThat(evaluated.getJsonObject("result").getJsonObject("metrics").getDouble("accuracy")).isGreaterThan(0.8);
    assertThat(api.postJson("/api/executions", new JsonObject().put("type", "transform").put("dataset", "points")
        .put("output", "x").put("output_format", "xlsx")).errorMessage()).contains("output_format");

    // JSON Lines datasets are read as JSON by Spark
    String lines = "{\"id\": 1, \"city\": \"Lyon\"}\n{\"id\": 2, \"city\": \"Paris\"}\n{\"id\": 3}\n";
    assertThat(api.upload("/api/datasets", Map.of("name", "visits"), "visits.jsonl", lines.getBytes()).status())
        .isEqualTo(201);
    JsonObject filtered = awaitEnd(api.postJson("/api/executions", new JsonObject().put("type", "transform")
        .put("dataset", "visits").put("output", "visits-known").put("steps", new JsonArray()
            .add(new JsonObject().put("filter", "city IS NOT NULL")))).json().getString("id"));
    assertThat(filtered.getString("status")).as(filtered.encode()).isEqualTo("succeeded");
    assertThat(filtered.getJsonObject("result").getJsonArray("outputs").getJsonObject(0).getLong("row_count"))
        .isEqualTo(2);
  }

  @Test
  @DisplayName("a transform filters, selects, standardizes and splits into two new datasets with lineage")
  void transformAndSplit() {
    Api.Response queued = api.postJson("/api/executions", new JsonObject().put("type", "transform")
        .put("dataset", "sales").put("output", "big-sales")
        .put("steps", new JsonArray()
            .add(new JsonObject().put("filter", "amount > 30 AND city = 'Lyon'"))
            .add(new JsonObject().put("select", new JsonArray().add("id").add("amount").add("score")))
            .add(new JsonObject().put("rename", new JsonObject().put("score", "grade")))
            .add(new JsonObject().put("standardize", new JsonArray().add("amount"))))
        .put("split", new JsonObject().put("train", 0.75).put("seed", 7)));
    assertThat(queued.status()).as(queued.text()).isEqualTo(202);
    assertThat(queued.json().getString("status")).isEqualTo("queued");
    JsonObject done = awaitEnd(queued.json().getString("id"));
    assertThat(done.getString("status")).as(done.encode()).isEqualTo("succeeded");
    assertThat(done.getInteger("attempts")).isEqualTo(1);
    assertThat(done.getLong("tasks_total")).isPositive();
    assertThat(done.getLong("tasks_done")).isEqualTo(done.getLong("tasks_total"));
    JsonArray outputs = done.getJsonObject("result").getJsonArray("outputs");
    long train = outputs.getJsonObject(0).getLong("row_count");
    long test = outputs.getJsonObject(1).getLong("row_count");
    // ids 22..200 even: 90 rows
    assertThat(train + test).isEqualTo(90);
    assertThat(train).isGreaterThan(test);

    JsonObject version = api.get("/api/datasets/big-sales-train/versions/1").json();
    assertThat(version.getJsonArray("schema").stream().map(c -> ((JsonObject) c).getString("name")))
        .containsExactly("id", "amount", "grade");
    assertThat(version.getJsonObject("lineage")).as(version.encode()).isEqualTo(new JsonObject().put("dataset", "sales").put("version", 1)
        .put("execution", done.getString("id")));
    JsonArray rows = api.get("/api/datasets/big-sales-test/versions/1/preview?limit=100").json().getJsonArray("rows");
    assertThat(rows).hasSize((int) test);
    double mean = rows.stream().mapToDouble(r -> ((JsonObject) r).getDouble("amount")).average().orElseThrow();
    assertThat(mean).isCloseTo(0.0, within(1.0));
    assertThat(api.get("/api/executions/" + done.getString("id") + "/logs").json().getJsonArray("lines").size())
        .isGreaterThan(3);
  }

  @Test
  @DisplayName("unknown columns, non-numeric scaling and expressions that do not parse are refused before queueing")
  void refusedBeforeQueueing() {
    long before = api.get("/api/executions").json().getLong("total");
    Api.Response unknown = api.postJson("/api/executions", transform(new JsonObject().put("select", new JsonArray().add("nope"))));
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.errorMessage()).contains("steps[0].select").contains("nope");
    Api.Response text = api.postJson("/api/executions", transform(new JsonObject().put("normalize", new JsonArray().add("city"))));
    assertThat(text.status()).isEqualTo(400);
    assertThat(text.errorMessage()).contains("city").contains("not numeric");
    Api.Response bad = api.postJson("/api/executions", transform(new JsonObject().put("filter", "amount >>> (")));
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.errorMessage()).contains("steps[0].filter").contains("does not parse");
    Api.Response noData = api.postJson("/api/executions", new JsonObject().put("type", "transform")
        .put("dataset", "missing").put("output", "x"));
    assertThat(noData.status()).isEqualTo(404);
    Api.Response type = api.postJson("/api/executions", new JsonObject().put("type", "magic"));
    assertThat(type.status()).isEqualTo(400);
    assertThat(api.get("/api/executions").json().getLong("total")).isEqualTo(before);
    assertThat(api.get("/api/executions/00000000-0000-0000-0000-000000000000").status()).isEqualTo(404);
  }

  @Test
  @DisplayName("a SQL step runs over the table 'data'; a failure inside Spark ends as failed with a readable message")
  void sqlAndFailure() {
    Api.Response sql = api.postJson("/api/executions", new JsonObject().put("type", "transform").put("dataset", "sales")
        .put("output", "by-city").put("steps", new JsonArray().add(new JsonObject()
            .put("sql", "SELECT city, COUNT(*) AS n, AVG(amount) AS mean_amount FROM data GROUP BY city"))));
    JsonObject done = awaitEnd(sql.json().getString("id"));
    assertThat(done.getString("status")).as(done.encode()).isEqualTo("succeeded");
    assertThat(done.getJsonObject("result").getJsonArray("outputs").getJsonObject(0).getLong("row_count")).isEqualTo(2);

    Api.Response failing = api.postJson("/api/executions", new JsonObject().put("type", "transform").put("dataset", "sales")
        .put("output", "never").put("steps", new JsonArray().add(new JsonObject().put("sql", "SELECT nothing FROM data"))));
    JsonObject failed = awaitEnd(failing.json().getString("id"));
    assertThat(failed.getString("status")).isEqualTo("failed");
    assertThat(failed.getString("error")).contains("nothing");
    assertThat(api.get("/api/datasets/never").status()).isEqualTo(404);
  }

  @Test
  @DisplayName("cancelling a running execution stops its Spark job; cancelling a finished one is a 409")
  void cancel() throws Exception {
    Api.Response queued = api.postJson("/api/executions", new JsonObject().put("type", "transform").put("dataset", "sales")
        .put("output", "endless").put("steps", new JsonArray().add(new JsonObject()
            .put("sql", "SELECT COUNT(*) AS n FROM range(0, 100000000000)"))));
    String id = queued.json().getString("id");
    await("execution starts").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
        .until(() -> api.get("/api/executions/" + id).json().getString("status"), is("running"));
    Thread.sleep(1500);   // let its Spark job start: what is cancelled is a running job
    Api.Response cancelled = api.postJson("/api/executions/" + id + "/cancel", new JsonObject());
    assertThat(cancelled.status()).isEqualTo(200);
    JsonObject end = awaitEnd(id);
    assertThat(end.getString("status")).as(end.encode()).isEqualTo("cancelled");
    assertThat(api.postJson("/api/executions/" + id + "/cancel", new JsonObject()).status()).isEqualTo(409);
    assertThat(api.get("/api/datasets/endless").status()).isEqualTo(404);
  }

  @Test
  @DisplayName("an execution whose node died mid-run (its lease ran out) runs again here, and its output is recorded once")
  void deadNodeLease() throws Exception {
    JsonObject first = awaitEnd(api.postJson("/api/executions", transform(new JsonObject().put("filter", "id > 100")))
        .json().getString("id"));
    assertThat(first.getString("status")).isEqualTo("succeeded");
    assertThat(first.getString("created_by")).as("asked without a key").isEqualTo("anonymous");
    // what a node that died while running an execution leaves behind: a running execution with a lapsed lease
    String id = java.util.UUID.randomUUID().toString();
    JsonObject orphan = new JsonObject().put("_id", id).put("id", id).put("type", "transform").put("status", "running")
        .put("request", first.getJsonObject("request").copy().put("output", "revived"))
        .put("node", "node-gone").put("lease_until", System.currentTimeMillis() - 1).put("attempts", 1)
        .put("max_attempts", 3).put("progress", 0.4).put("cancel_requested", false)
        .put("created_at", java.time.Instant.now().toString());
    io.vertx.ext.mongo.MongoClient mongo = io.vertx.ext.mongo.MongoClient.create(node.vertx(),
        new JsonObject().put("connection_string", node.mongoUri()).put("db_name", "mlplatform"));
    try {
      mongo.insert("executions", orphan).toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
    } finally {
      mongo.close();
    }
    JsonObject revived = awaitEnd(id);
    assertThat(revived.getString("status")).as(revived.encode()).isEqualTo("succeeded");
    assertThat(revived.getInteger("attempts")).isEqualTo(2);
    assertThat(revived.getString("node")).isEqualTo(node.nodeId());
    assertThat(api.get("/api/datasets/revived").json().getInteger("latest_version")).isEqualTo(1);
    Api.Response result = api.get("/api/executions/" + id + "/result");
    assertThat(result.status()).isEqualTo(200);
    assertThat(result.bytes()).isEqualTo(api.get("/api/datasets/revived/versions/1/download").bytes());
    assertThat(result.text()).startsWith("id,amount,score,city");
  }

  private static JsonObject transform(JsonObject step) {
    return new JsonObject().put("type", "transform").put("dataset", "sales").put("output", "x")
        .put("steps", new JsonArray().add(step));
  }

  @Test
  @DisplayName("/metrics counts executions by type and status, with their durations")
  void executionMetrics() throws Exception {
    api.upload("/api/datasets", Map.of("name", "metered"), "metered.csv", "a,b\n1,x\n2,y\n".getBytes());
    Prometheus before = Prometheus.parse(api.get("/metrics").text());
    String id = api.postJson("/api/executions", new JsonObject().put("type", "transform").put("dataset", "metered")
        .put("steps", new JsonArray().add(new JsonObject().put("select", new JsonArray().add("a"))))
        .put("output", "metered-a")).json().getString("id");
    assertThat(awaitEnd(id).getString("status")).isEqualTo("succeeded");
    double counted = await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
        .until(() -> Prometheus.parse(api.get("/metrics").text())
            .sum("mlplatform_executions_seconds_count", "type", "transform", "status", "succeeded")
            - before.sum("mlplatform_executions_seconds_count", "type", "transform", "status", "succeeded"),
            greaterThanOrEqualTo(1.0));
    assertThat(counted).isEqualTo(1);
    assertThat(Prometheus.parse(api.get("/metrics").text())
        .sum("mlplatform_executions_seconds_sum", "type", "transform", "status", "succeeded")).isPositive();
  }

  static JsonObject awaitEnd(String id) {
    return awaitEnd(id, api);
  }

  /** The execution once it ended (asked of the platform behind {@code api}). */
  static JsonObject awaitEnd(String id, Api api) {
    return Waits.executionEnded(api, id, Duration.ofSeconds(120));
  }

}
