package io.mlplatform;

import io.mlplatform.support.Api;
import io.mlplatform.support.FromNode;
import io.mlplatform.support.NodeSettings;
import io.mlplatform.support.SharedNode;
import io.mlplatform.support.Waits;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Random;

import static io.mlplatform.support.Waits.matching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Data shaped like users' (hundreds of columns: numbers, strings, booleans, a timestamp, an identifier, nulls) trains,
 * evaluates, batch-scores and serves online. Surefire runs this class in its own JVM with a 1 GB heap (pom.xml:
 * execution "small-heap"), node and test together.
 */
@Tag("slow")
@ExtendWith(SharedNode.class)
@NodeSettings("MLP_SPARK_MASTER=local[2]")
@DisplayName("Executions on wide, messy datasets in a 1 GB heap")
class WideDataTest {
  private static final int ROWS = 20_000;
  private static final int NUMBERS = 140;
  private static final int INTEGERS = 30;
  private static final int BOOLEANS = 3;
  private static final int STRINGS = 25;
  private static final int UNLABELLED = 20;

  @FromNode static Node node;
  @FromNode static Api api;

  @BeforeAll
  static void start() throws Exception {
    assertThat(Runtime.getRuntime().maxMemory()).as("this class runs in a JVM with -Xmx1g")
        .isLessThanOrEqualTo(1024L * 1024 * 1024);
    Api.Response uploaded = api.upload("/api/datasets", Map.of("name", "customers"), "customers.csv", wide());
    assertThat(uploaded.status()).as(uploaded.text()).isEqualTo(201);
    assertThat(uploaded.json().getJsonObject("version").getJsonArray("schema")).hasSize(201);
  }

  /**
   * 20,000 rows of 200 columns and a label: customer_id (unique text), signup_at (timestamp), 140 doubles (the first
   * 20 with ~3 % empty cells), 30 integers, 3 booleans, 25 strings of 3 to 51 values (the first 5 with ~5 % empty),
   * churned (yes/no; 20 rows without one) driven by a few of them.
   */
  private static byte[] wide() {
    Random random = new Random(17);
    StringBuilder csv = new StringBuilder(32 << 20);
    csv.append("customer_id,signup_at");
    for (int i = 0; i < NUMBERS; i++) {
      csv.append(",n").append(i);
    }
    for (int i = 0; i < INTEGERS; i++) {
      csv.append(",i").append(i);
    }
    for (int i = 0; i < BOOLEANS; i++) {
      csv.append(",b").append(i);
    }
    for (int i = 0; i < STRINGS; i++) {
      csv.append(",c").append(i);
    }
    csv.append(",churned\n");
    for (int r = 0; r < ROWS; r++) {
      double logit = 0;
      csv.append(String.format("c%06d,2024-%02d-%02dT10:00:00Z", r, 1 + r % 12, 1 + r % 28));
      for (int i = 0; i < NUMBERS; i++) {
        double value = random.nextGaussian();
        if (i < 3) {
          logit += i == 2 ? -value : value;
        }
        csv.append(',');
        if (!(i < 20 && random.nextInt(33) == 0)) {
          appendFourDecimals(csv, value);
        }
      }
      for (int i = 0; i < INTEGERS; i++) {
        int value = random.nextInt(100);
        logit += i == 0 ? (value - 50) / 25.0 : 0;
        csv.append(',').append(value);
      }
      for (int i = 0; i < BOOLEANS; i++) {
        boolean value = random.nextBoolean();
        logit += i == 0 ? (value ? 0.7 : -0.7) : 0;
        csv.append(',').append(value);
      }
      for (int i = 0; i < STRINGS; i++) {
        int value = random.nextInt(3 + 2 * i);
        logit += i == 0 ? (value == 0 ? 1.5 : value == 1 ? -1.5 : 0) : 0;
        csv.append(',');
        if (!(i < 5 && random.nextInt(20) == 0)) {
          csv.append('v').append(value);
        }
      }
      csv.append(',').append(r < UNLABELLED ? "" : logit + random.nextGaussian() * 0.5 > 0 ? "yes" : "no").append('\n');
    }
    return csv.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * {@code value} as {@code String.format("%.4f", value)} writes it for the values {@link #wide()} draws (|value| well
   * below 10^14), without a Formatter per cell: 2.8 million of those took ~5 s of the class's set-up. (For seed 17 the
   * dataset is byte for byte the one String.format wrote.)
   */
  private static void appendFourDecimals(StringBuilder csv, double value) {
    long scaled = Math.round(Math.abs(value) * 10_000);
    if (value < 0) {
      csv.append('-');
    }
    long fraction = scaled % 10_000;
    csv.append(scaled / 10_000).append('.');
    for (long digit = 1000; digit > 1 && fraction < digit; digit /= 10) {
      csv.append('0');
    }
    csv.append(fraction);
  }

  @Test
  @DisplayName("a 30-feature breast-cancer-like train with standard scaling and no feature list succeeds")
  void breastCancerShape() {
    Random random = new Random(5);
    StringBuilder csv = new StringBuilder();
    for (int i = 0; i < 30; i++) {
      csv.append(i == 0 ? "" : ",").append("mean_").append(i);
    }
    csv.append(",diagnosis\n");
    for (int r = 0; r < 569; r++) {
      double sum = 0;
      for (int i = 0; i < 30; i++) {
        double value = 10 + random.nextGaussian() * (1 + i % 4);
        sum += i < 10 ? value - 10 : 0;
        csv.append(i == 0 ? "" : ",").append(String.format("%.5f", value));
      }
      csv.append(',').append(sum + random.nextGaussian() > 0 ? "M" : "B").append('\n');
    }
    assertThat(api.upload("/api/datasets", Map.of("name", "cancer"), "cancer.csv",
        csv.toString().getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(201);
    JsonObject done = run(new JsonObject().put("type", "train").put("dataset", "cancer")
        .put("algorithm", "logistic_regression").put("label", "diagnosis").put("scaling", "standard")
        .put("model", "cancer"));
    assertThat(done.getString("status")).as(done.encode()).isEqualTo("succeeded");
    JsonObject version = api.get("/api/models/cancer/versions/latest").json();
    assertThat(version.getJsonObject("params").getJsonArray("features")).hasSize(30);
    assertThat(version.getJsonObject("metrics").getDouble("auc")).isGreaterThan(0.9);
  }

  @Test
  @DisplayName("200 columns with strings and nulls: refused columns are named, then train, evaluate, batch-score and"
      + " serve the ONNX export online, rows sent as objects keyed by column")
  void wideMessyData() {
    Api.Response timestamp = api.postJson("/api/executions", train());
    assertThat(timestamp.status()).isEqualTo(400);
    assertThat(timestamp.errorMessage()).contains("signup_at").contains("timestamp").contains("exclude");
    Api.Response unknown = api.postJson("/api/executions", train().put("exclude", new JsonArray().add("nope")));
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.errorMessage()).contains("exclude").contains("nope");
    Api.Response constant = api.postJson("/api/executions", train().put("missing", "constant")
        .put("exclude", new JsonArray().add("signup_at")));
    assertThat(constant.status()).isEqualTo(400);
    assertThat(constant.errorMessage()).contains("fill_value");

    // the identifier is text with a value per row: one-hot encoding it is refused, naming it
    JsonObject identifier = run(train().put("exclude", new JsonArray().add("signup_at")));
    assertThat(identifier.getString("status")).isEqualTo("failed");
    assertThat(identifier.getString("error")).contains("customer_id").contains("max_categories").contains("exclude");

    JsonObject trained = run(train().put("exclude", new JsonArray().add("signup_at").add("customer_id"))
        .put("missing", "mean"));
    assertThat(trained.getString("status")).as(trained.encode()).isEqualTo("succeeded");
    JsonObject result = trained.getJsonObject("result");
    assertThat(result.getLong("rows")).isEqualTo(ROWS);
    assertThat(result.getLong("dropped_rows")).as("rows without a label").isEqualTo(UNLABELLED);
    assertThat(api.get("/api/executions/" + trained.getString("id") + "/logs").text()).contains(UNLABELLED + " left out");
    JsonObject version = api.get("/api/models/churn/versions/latest").json();
    JsonObject params = version.getJsonObject("params");
    assertThat(params.getJsonArray("features")).hasSize(NUMBERS + INTEGERS + BOOLEANS + STRINGS);
    assertThat(params.getJsonArray("categorical")).hasSize(STRINGS);
    assertThat(params.getString("missing")).isEqualTo("mean");
    assertThat(version.getJsonObject("metrics").getDouble("auc")).isGreaterThan(0.85);

    JsonObject evaluated = run(new JsonObject().put("type", "evaluate").put("model", "churn").put("dataset", "customers"));
    assertThat(evaluated.getString("status")).as(evaluated.encode()).isEqualTo("succeeded");
    assertThat(evaluated.getJsonObject("result").getJsonObject("metrics").getDouble("auc")).isGreaterThan(0.85);
    assertThat(evaluated.getJsonObject("result").getLong("dropped_rows")).isEqualTo(UNLABELLED);

    JsonObject scored = run(new JsonObject().put("type", "batch_predict").put("model", "churn")
        .put("dataset", "customers").put("output", "churn-scores"));
    assertThat(scored.getString("status")).as(scored.encode()).isEqualTo("succeeded");
    assertThat(scored.getJsonObject("result").getLong("dropped_rows")).as("imputed: every row is scored").isZero();
    JsonObject scores = api.get("/api/datasets/churn-scores/versions/1").json();
    assertThat(scores.getLong("row_count")).isEqualTo(ROWS);
    assertThat(scores.getJsonArray("schema").stream().map(c -> ((JsonObject) c).getString("name")))
        .contains("customer_id", "c0", "prediction").noneMatch(name -> name.endsWith("__index")
            || name.endsWith("__imputed") || name.equals("features"));

    // the ONNX export takes one input per column: the scored rows themselves are requests
    JsonObject onnx = version.getJsonObject("onnx");
    assertThat(onnx.getBoolean("supported")).as(version.encode()).isTrue();
    assertThat(onnx.getJsonObject("signature").getJsonArray("inputs")).hasSize(NUMBERS + INTEGERS + BOOLEANS + STRINGS);
    assertThat(api.postJson("/api/deployments", new JsonObject().put("name", "churn-online").put("model", "churn"))
        .status()).isEqualTo(201);
    JsonArray rows = api.get("/api/datasets/churn-scores/versions/1/preview?limit=200").json().getJsonArray("rows");
    JsonObject request = new JsonObject().put("inputs", rows);
    Api.Response online = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
      Api.Response response = api.postJson("/api/deployments/churn-online/predict", request);
      assertThat(response.status()).as(response.text()).isIn(200, 503);
      return response;
    }, matching("a prediction of churn-online", response -> response.status() == 200));
    int differing = 0;
    int withNulls = 0;
    for (int r = 0; r < rows.size(); r++) {
      JsonObject row = rows.getJsonObject(r);
      withNulls += row.getValue("n0") == null || row.getValue("c0") == null ? 1 : 0;
      JsonArray probability = online.json().getJsonArray("outputs").getJsonObject(r).getJsonArray("probability");
      int predicted = probability.getDouble(1) > probability.getDouble(0) ? 1 : 0;
      differing += predicted == row.getDouble("prediction") ? 0 : 1;
    }
    assertThat(withNulls).as("rows with a missing number or string among those compared").isGreaterThan(5);
    assertThat(differing).as("online classes that differ from Spark's batch scoring (float32 near 0.5)")
        .isLessThanOrEqualTo(1);
  }

  private static JsonObject train() {
    return new JsonObject().put("type", "train").put("dataset", "customers").put("algorithm", "logistic_regression")
        .put("label", "churned").put("model", "churn").put("params", new JsonObject().put("maxIter", 10));
  }

  private static JsonObject run(JsonObject request) {
    Api.Response queued = api.postJson("/api/executions", request);
    assertThat(queued.status()).as(queued.text()).isEqualTo(202);
    String id = queued.json().getString("id");
    long started = System.currentTimeMillis();
    JsonObject execution = Waits.executionEnded(api, id, Duration.ofSeconds(240));
    System.out.printf("%s %s: %s in %d ms%n", request.getString("type"), request.getString("dataset"),
        execution.getString("status"), System.currentTimeMillis() - started);
    return execution;
  }
}
