package io.mlplatform;

import io.mlplatform.support.Api;
import io.mlplatform.support.FromNode;
import io.mlplatform.support.NodeSettings;
import io.mlplatform.support.Prometheus;
import io.mlplatform.support.SharedNode;
import io.mlplatform.support.TestModels;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.mlplatform.support.Waits.matching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.lessThanOrEqualTo;

@Tag("slow")
@ExtendWith(SharedNode.class)
@NodeSettings
@DisplayName("A deployment splits its traffic over versions, mirrors it to a shadow and logs a sample of it")
class DeploymentTrafficTest {
  private static final int REQUESTS = 2000;
  private static final int WORKFLOW_PREDICTIONS = 300;
  @TempDir
  static Path dir;
  @FromNode static Api api;
  static Map<Integer, TestModels.Classifier> models = new HashMap<>();

  @BeforeAll
  static void start() throws Exception {
    api.postJson("/api/models", new JsonObject().put("name", "clf"));
    for (int version = 1; version <= 3; version++) {
      models.put(version, TestModels.classifier(dir, 6 + version));
      assertThat(api.upload("/api/models/clf/versions", Map.of("format", "onnx"), "v" + version + ".onnx",
          models.get(version).onnx()).status()).isEqualTo(201);
    }
    assertThat(api.putJson("/api/models/clf/aliases/challenger", new JsonObject().put("version", 2)).status())
        .isEqualTo(200);
  }

  @Test
  @DisplayName("90/10 over 2,000 requests within ±5 %, shadow answers never returned but compared, a 25 % sample logged")
  void canaryShadowAndLogging() throws Exception {
    Api.Response created = api.postJson("/api/deployments", new JsonObject().put("name", "clf-c").put("model", "clf")
        .put("traffic", new JsonArray().add(split(1, 90)).add(split("challenger", 10)))
        .put("shadow", new JsonObject().put("version", 3))
        .put("logging", new JsonObject().put("sample", 0.25).put("roll_seconds", 1)));
    assertThat(created.status()).as(created.text()).isEqualTo(201);
    JsonObject ready = DeploymentTest.awaitStatus(api, "clf-c", "ready");
    assertThat(ready.getJsonArray("replica_status").stream().map(r -> ((JsonObject) r).getString("lane")))
        .containsExactlyInAnyOrder("traffic/0", "traffic/1", "shadow");
    Prometheus before = scrape();

    Map<Integer, Integer> answeredBy = new HashMap<>();
    ExecutorService callers = Executors.newFixedThreadPool(4);
    try {
      Random random = new Random(11);
      List<Future<JsonObject>> answers = new java.util.ArrayList<>();
      List<float[]> rows = new java.util.ArrayList<>();
      for (int i = 0; i < REQUESTS; i++) {
        float[] row = {(float) random.nextGaussian(), (float) random.nextGaussian(), (float) random.nextGaussian(),
            (float) random.nextGaussian()};
        rows.add(row);
        answers.add(callers.submit(() -> {
          Api.Response answer = api.postJson("/api/deployments/clf-c/predict",
              new JsonObject().put("inputs", new JsonArray().add(DeploymentTest.jsonRow(row))));
          assertThat(answer.status()).as(answer.text()).isEqualTo(200);
          return answer.json();
        }));
      }
      for (int i = 0; i < REQUESTS; i++) {
        JsonObject answer = answers.get(i).get();
        int version = answer.getInteger("version");
        answeredBy.merge(version, 1, Integer::sum);
        // the answer is the named version's own, never the shadow's
        double[] expected = models.get(version).probabilities(rows.get(i));
        assertThat(answer.getJsonArray("outputs").getJsonObject(0).getJsonArray("output").getDouble(0))
            .isCloseTo(expected[0], within(1e-5));
      }
    } finally {
      callers.shutdownNow();
    }
    assertThat(answeredBy.keySet()).containsOnly(1, 2);
    assertThat(answeredBy.get(2) / (double) REQUESTS).isBetween(0.05, 0.15);

    // every request was mirrored to version 3; its answers, another model's, were compared and counted
    String[] shadowed = {"deployment", "clf-c"};
    Prometheus after = awaitMetric("mlplatform_shadow_predictions_total", shadowed, REQUESTS);
    assertThat(after.sum("mlplatform_shadow_predictions_total", "deployment", "clf-c", "outcome", "failed")).isZero();
    assertThat(after.sum("mlplatform_shadow_predictions_total", "deployment", "clf-c", "outcome", "different"))
        .isGreaterThan(REQUESTS / 2.0);
    assertThat(after.sum("mlplatform_predictions_seconds_count", "deployment", "clf-c", "lane", "shadow", "version", "3")
        - before.sum("mlplatform_predictions_seconds_count", "deployment", "clf-c", "lane", "shadow"))
        .isEqualTo(REQUESTS);
    assertThat(after.sum("mlplatform_predictions_seconds_count", "deployment", "clf-c", "version", "2", "outcome", "ok"))
        .isEqualTo((double) answeredBy.get(2));

    // a quarter of the 4,000 answers (2,000 served, 2,000 shadowed) logged: within 5 standard deviations
    awaitLogged("clf-c-predictions", "clf-c");
    List<JsonObject> versions = api.get("/api/datasets/clf-c-predictions/versions").json().getJsonArray("items")
        .stream().map(v -> (JsonObject) v).toList();
    long logged = versions.stream().mapToLong(v -> v.getJsonObject("lineage").getLong("rows")).sum();
    double sd = Math.sqrt(2 * REQUESTS * 0.25 * 0.75);
    assertThat((double) logged).isBetween(2 * REQUESTS * 0.25 - 5 * sd, 2 * REQUESTS * 0.25 + 5 * sd);
    assertThat(scrape().sum("mlplatform_prediction_log_dropped_requests_total", "deployment", "clf-c")).isZero();
    JsonObject first = versions.get(0);
    assertThat(first.getJsonArray("schema").stream().map(c -> ((JsonObject) c).getString("name")))
        .contains("logged_at", "model_version", "lane", "latency_ms", "input_0", "input_3", "output_output_0");
    assertThat(first.getJsonObject("lineage").getString("source")).isEqualTo("prediction-log");
    assertThat(versions.stream().map(v -> v.getJsonObject("lineage").getJsonArray("model_versions"))
        .flatMap(JsonArray::stream)).contains(1, 3);
    Api.Response previewed = api.get("/api/datasets/clf-c-predictions/versions/" + first.getInteger("version")
        + "/preview");
    assertThat(previewed.status()).as(previewed.text()).isEqualTo(200);
    JsonArray preview = previewed.json().getJsonArray("rows");
    assertThat(preview).isNotEmpty();
    for (Object item : preview) {
      JsonObject row = (JsonObject) item;
      float[] inputs = new float[4];
      for (int c = 0; c < 4; c++) {
        inputs[c] = row.getNumber("input_" + c).floatValue();
      }
      assertThat(row.getDouble("output_output_0"))
          .isCloseTo(models.get(row.getInteger("model_version")).probabilities(inputs)[0], within(1e-5));
    }

    // predictions from a workflow's steps (as from an agent's tools) take the same split and the same mirror
    JsonArray items = new JsonArray();
    for (int i = 0; i < WORKFLOW_PREDICTIONS; i++) {
      items.add(i);
    }
    assertThat(api.postJson("/api/workflows", WorkflowTest.workflow("clf-c-scores",
        WorkflowTest.step("score", "map").put("items", "${input.items}").put("concurrency", 8)
            .put("task", new JsonObject().put("deployment", "clf-c").put("inputs", new JsonObject()
                .put("inputs", new JsonArray().add(new JsonArray().add("${item}").add(0).add(0).add(0))))))
        .put("output", "${steps.score.results.version}")).status()).isEqualTo(201);
    JsonObject run = WorkflowTest.awaitEnd(api, api.postJson("/api/workflows/clf-c-scores/runs",
        new JsonObject().put("input", new JsonObject().put("items", items))).json().getString("id"));
    assertThat(run.getString("status")).as(run.encode()).isEqualTo("succeeded");
    Map<Object, Long> stepVersions = run.getJsonArray("output").stream()
        .collect(java.util.stream.Collectors.groupingBy(v -> v, java.util.stream.Collectors.counting()));
    assertThat(stepVersions.keySet()).containsOnly(1, 2);
    // 10 % of 300: 30 expected, sd 5.2
    assertThat(stepVersions.get(2)).isBetween(5L, 60L);
    awaitMetric("mlplatform_shadow_predictions_total", shadowed, REQUESTS + WORKFLOW_PREDICTIONS);

    // the alias moves: the canary's lane serves version 3 in place; then version 3 takes all and the rest goes
    assertThat(api.putJson("/api/models/clf/aliases/challenger", new JsonObject().put("version", 3)).status())
        .isEqualTo(200);
    awaitLaneVersion("clf-c", "traffic/1", 3);
    Api.Response promoted = api.patchJson("/api/deployments/clf-c", new JsonObject()
        .put("traffic", new JsonArray().add(split(3, 100))).putNull("shadow").putNull("logging"));
    assertThat(promoted.status()).as(promoted.text()).isEqualTo(200);
    assertThat(promoted.json().containsKey("traffic")).isFalse();
    assertThat(promoted.json().getString("version")).isEqualTo("3");
    awaitLaneVersion("clf-c", "traffic/0", 3);
    await("the canary and shadow lanes stop").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
        .until(() -> api.get("/api/deployments/clf-c").json().getJsonArray("replica_status").size(), lessThanOrEqualTo(1));
    assertThat(api.postJson("/api/deployments/clf-c/predict", new JsonObject().put("inputs",
        new JsonArray().add(new JsonArray().add(1).add(2).add(3).add(4)))).json().getInteger("version")).isEqualTo(3);
    assertThat(api.postJson("/v2/models/clf-c/versions/1/infer", new JsonObject()).status()).isEqualTo(404);
    assertThat(api.delete("/api/deployments/clf-c").status()).isEqualTo(204);
  }

  @Test
  @DisplayName("a monitor execution flags the input whose logged values moved from the training data, not the others")
  void driftReport() throws Exception {
    Random random = new Random(5);
    StringBuilder csv = new StringBuilder("input_0,input_1,input_2,input_3,plan\n");
    for (int i = 0; i < 2000; i++) {
      csv.append(random.nextGaussian()).append(',').append(random.nextGaussian()).append(',')
          .append(random.nextGaussian()).append(',').append(random.nextGaussian()).append(',')
          .append(i % 3 == 0 ? "pro" : "free").append('\n');
    }
    assertThat(api.upload("/api/datasets", Map.of("name", "clf-train"), "train.csv", csv.toString().getBytes())
        .status()).isEqualTo(201);
    assertThat(api.postJson("/api/deployments", new JsonObject().put("name", "clf-d").put("model", "clf")
        .put("version", 1).put("logging", new JsonObject().put("sample", 1.0).put("roll_seconds", 1))).status())
        .isEqualTo(201);
    Api.Response unlogged = api.postJson("/api/executions", new JsonObject().put("type", "monitor")
        .put("deployment", "clf-d").put("baseline", new JsonObject().put("dataset", "clf-train")));
    assertThat(unlogged.status()).as(unlogged.text()).isEqualTo(400);
    assertThat(unlogged.errorMessage()).contains("logged no predictions");
    DeploymentTest.awaitStatus(api, "clf-d", "ready");
    // 500 rows whose first input moved by 1.5 standard deviations; the other three as in training
    for (int request = 0; request < 10; request++) {
      JsonArray rows = new JsonArray();
      for (int r = 0; r < 50; r++) {
        rows.add(new JsonArray().add(1.5 + random.nextGaussian()).add(random.nextGaussian())
            .add(random.nextGaussian()).add(random.nextGaussian()));
      }
      assertThat(api.postJson("/api/deployments/clf-d/predict", new JsonObject().put("inputs", rows)).status())
          .isEqualTo(200);
    }
    awaitLogged("clf-d-predictions", "clf-d");

    Api.Response queued = api.postJson("/api/executions", new JsonObject().put("type", "monitor")
        .put("deployment", "clf-d").put("window_minutes", 10).put("baseline", new JsonObject().put("dataset", "clf-train")));
    assertThat(queued.status()).as(queued.text()).isEqualTo(202);
    JsonObject ended = ExecutionTest.awaitEnd(queued.json().getString("id"), api);
    assertThat(ended.getString("status")).as(ended.encode()).isEqualTo("succeeded");
    JsonObject report = ended.getJsonObject("result");
    assertThat(report.getJsonArray("drifted")).containsExactly("input_0");
    assertThat(report.getJsonObject("rows").getInteger("current")).isEqualTo(500);
    assertThat(report.getJsonArray("features").stream().map(f -> ((JsonObject) f).getString("feature")))
        .containsExactly("input_0", "input_1", "input_2", "input_3");
    JsonObject moved = report.getJsonArray("features").getJsonObject(0);
    assertThat(moved.getDouble("psi")).isGreaterThan(0.2);
    assertThat(moved.getJsonArray("bins")).hasSize(10);
    assertThat(report.getJsonObject("prediction").getBoolean("compared")).isFalse();
    JsonArray stored = api.get("/api/models/clf/versions/1").json().getJsonArray("drift_reports");
    assertThat(stored).hasSize(1);
    assertThat(stored.getJsonObject(0).getJsonArray("drifted")).containsExactly("input_0");

    // a workflow gates on the report: the run stops, naming the drifted input
    JsonObject monitor = new JsonObject().put("type", "monitor").put("deployment", "clf-d").put("window_minutes", 10)
        .put("baseline", new JsonObject().put("dataset", "clf-train"));
    JsonObject workflow = WorkflowTest.workflow("drift-gate", WorkflowTest.call("drift", "execution.create", monitor),
        WorkflowTest.step("steady", "gate").put("condition", "${ $count(steps.drift.result.drifted) = 0 }")
            .put("reason", "${ 'inputs drifted: ' & $join(steps.drift.result.drifted, ', ') }"));
    assertThat(api.postJson("/api/workflows", workflow).status()).isEqualTo(201);
    JsonObject stopped = WorkflowTest.awaitEnd(api, api.postJson("/api/workflows/drift-gate/runs", new JsonObject())
        .json().getString("id"));
    assertThat(stopped.getString("status")).as(stopped.encode()).isEqualTo("failed");
    assertThat(stopped.getJsonObject("error").getString("code")).isEqualTo("gate_closed");
    assertThat(stopped.getJsonObject("error").getString("message")).contains("inputs drifted: input_0");

    Api.Response unknown = api.postJson("/api/executions", new JsonObject().put("type", "monitor")
        .put("deployment", "clf-d").put("baseline", new JsonObject().put("dataset", "clf-train"))
        .put("features", new JsonArray().add("plan")));
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.errorMessage()).contains("plan");
    assertThat(api.delete("/api/deployments/clf-d").status()).isEqualTo(204);
  }

  @Test
  @DisplayName("a split that does not add up, names a version twice or with a version, a bad shadow or sample: 400")
  void badSplits() {
    Map<JsonObject, String> refused = new java.util.LinkedHashMap<>();
    refused.put(new JsonObject().put("traffic", new JsonArray().add(split(1, 50)).add(split(2, 49))), "add up to 100");
    refused.put(new JsonObject().put("traffic", new JsonArray().add(split(1, 50)).add(split(1, 50))), "twice");
    refused.put(new JsonObject().put("version", 1).put("traffic", new JsonArray().add(split(1, 100))), "not both");
    refused.put(new JsonObject().put("traffic", new JsonArray().add(split(1, 50)).add(split(9, 50))), "9");
    refused.put(new JsonObject().put("shadow", new JsonObject().put("version", 2).put("percent", 0)), "percent");
    refused.put(new JsonObject().put("logging", new JsonObject().put("sample", 1.5)), "sample");
    refused.forEach((change, why) -> {
      JsonObject request = change.copy().put("name", "clf-bad").put("model", "clf");
      Api.Response response = api.postJson("/api/deployments", request);
      assertThat(response.status()).as(request.encode()).isIn(400, 404);
      assertThat(response.text()).as(request.encode()).contains(why);
    });
    assertThat(api.get("/api/deployments/clf-bad").status()).isEqualTo(404);
  }

  private static JsonObject split(Object version, int percent) {
    return new JsonObject().put("version", version).put("percent", percent);
  }

  private static Prometheus scrape() {
    return Prometheus.parse(api.get("/metrics").text());
  }

  private static Prometheus awaitMetric(String name, String[] labels, double total) {
    Prometheus now = await(name + " reaches " + total).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
        .until(DeploymentTrafficTest::scrape, scraped -> scraped.sum(name, labels) >= total);
    assertThat(now.sum(name, labels)).isEqualTo(total);
    return now;
  }

  /** The log's dataset once every row the node counted as logged is in one of its versions. */
  private static void awaitLogged(String dataset, String deployment) {
    // and still so for half a second: an answer is logged just after it is sent
    await("the prediction log is written").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
        .during(Duration.ofMillis(500)).until(() -> allLogged(dataset, deployment));
  }

  /** Whether every row the node counted as logged is in one of the log's versions, nothing queued or being written. */
  private static boolean allLogged(String dataset, String deployment) {
    double counted = scrape().sum("mlplatform_prediction_log_rows_total", "deployment", deployment);
    Api.Response versions = api.get("/api/datasets/" + dataset + "/versions");
    if (versions.status() != 200 || counted == 0) {
      return false;
    }
    long rows = versions.json().getJsonArray("items").stream()
        .mapToLong(v -> ((JsonObject) v).getJsonObject("lineage").getLong("rows")).sum();
    return rows == counted && pending(deployment) == 0;
  }

  private static double pending(String deployment) {
    return scrape().sum("mlplatform_prediction_log_pending_rows", "deployment", deployment);
  }

  private static void awaitLaneVersion(String name, String lane, int version) {
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
        .until(() -> api.get("/api/deployments/" + name).json(), matching(name + " lane " + lane + " serving version "
            + version, deployment -> {
              List<JsonObject> replicas = deployment.getJsonArray("replica_status").stream().map(r -> (JsonObject) r)
                  .filter(r -> lane.equals(r.getString("lane"))).toList();
              return !replicas.isEmpty() && replicas.stream().allMatch(r -> r.getInteger("version") == version
                  && "ready".equals(r.getString("status")));
            }));
  }
}
