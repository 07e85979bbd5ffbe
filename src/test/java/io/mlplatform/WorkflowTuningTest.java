package io.mlplatform;

import io.mlplatform.support.Api;
import io.mlplatform.support.FromNode;
import io.mlplatform.support.NodeSettings;
import io.mlplatform.support.SharedNode;
import io.mlplatform.support.TestModels;
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

import static io.mlplatform.WorkflowTest.awaitEnd;
import static io.mlplatform.WorkflowTest.stepOf;
import static io.mlplatform.support.Waits.matching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

@Tag("slow")
@ExtendWith(SharedNode.class)
@NodeSettings({"MLP_SPARK_MASTER=local[2]", "MLP_EXECUTION_CONCURRENCY=2", "MLP_EXECUTION_LEASE_MS=5000"})
@DisplayName("The Spark examples: train → evaluate → gate → deploy, and tuning in parallel that deploys the best")
class WorkflowTuningTest {
  /** Noise columns that an unregularized fit on few rows learns. */
  private static final int NOISE_COLUMNS = 6;

  @FromNode static Api api;
  static JsonArray features = new JsonArray();

  @BeforeAll
  static void start() {
    features.add("x1").add("x2");
    for (int i = 0; i < NOISE_COLUMNS; i++) {
      features.add("n" + i);
    }
    // few rows, many noise columns: an unregularized fit learns the noise, so regularization wins on fresh data
    Random random = new Random(11);
    assertThat(upload("small", 30, random)).isEqualTo(201);
    assertThat(upload("fresh", 1000, random)).isEqualTo(201);
    assertThat(api.postJson("/api/workflow-examples", new JsonObject()).status()).isEqualTo(201);
  }

  private static int upload(String name, int rows, Random random) {
    StringBuilder csv = new StringBuilder(String.join(",", features.stream().map(String.class::cast).toList()) + ",label\n");
    for (int r = 0; r < rows; r++) {
      double x1 = random.nextGaussian();
      double x2 = random.nextGaussian();
      csv.append(x1).append(',').append(x2);
      for (int i = 0; i < NOISE_COLUMNS; i++) {
        csv.append(',').append(random.nextGaussian());
      }
      csv.append(',').append(x1 + x2 + random.nextGaussian() > 0 ? 1 : 0).append('\n');
    }
    return api.upload("/api/datasets", Map.of("name", name), name + ".csv", csv.toString().getBytes()).status();
  }

  @Test
  @DisplayName("the tuning example finds a better-than-default candidate, makes it the champion and deploys it")
  void tuneAndDeploy() throws Exception {
    Api.Response started = api.postJson("/api/workflows/tune-and-deploy/runs", new JsonObject().put("input",
        new JsonObject().put("dataset", "small").put("validation_dataset", "fresh").put("features", features)
            .put("label", "label").put("model", "tuned").put("deployment", "tuned-online")));
    assertThat(started.status()).as(started.text()).isEqualTo(202);
    JsonObject run = awaitEnd(api, started.json().getString("id"));
    assertThat(run.getString("status")).as(run.encode()).isEqualTo("succeeded");
    JsonObject output = run.getJsonObject("output");
    JsonObject best = output.getJsonObject("best");
    JsonObject baseline = output.getJsonObject("default");
    JsonObject tune = stepOf(run, "tune");
    assertThat(output.getBoolean("improved")).as(tune.getJsonObject("output").getJsonArray("candidates").encode()).isTrue();
    assertThat(best.getDouble("value")).isGreaterThan(baseline.getDouble("value"));
    assertThat(best.getJsonObject("params").getDouble("regParam")).isPositive();
    assertThat(baseline.getJsonObject("params").isEmpty()).isTrue();
    assertThat(tune.getJsonObject("output").getJsonArray("candidates")).hasSize(4);
    assertThat(tune.getJsonObject("progress").getInteger("done")).isEqualTo(4);
    assertThat(tune.getJsonObject("output").getBoolean("alias_moved")).isTrue();
    assertThat(tune.getJsonObject("output").getString("alias_reason")).contains("no version");
    assertThat(output.getBoolean("alias_moved")).isTrue();

    JsonObject champion = api.get("/api/models/tuned/versions/champion").json();
    assertThat(champion.getInteger("version")).isEqualTo(best.getInteger("version"));
    assertThat(stepOf(run, "deploy").getString("status")).isEqualTo("succeeded");
    JsonArray row = new JsonArray();
    features.forEach(f -> row.add(0.5));
    Api.Response predicted = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
        .until(() -> api.postJson("/api/deployments/tuned-online/predict", new JsonObject()
            .put("inputs", new JsonArray().add(row))), matching("a prediction of tuned-online", r -> r.status() == 200));
    assertThat(predicted.json().getInteger("version")).isEqualTo(best.getInteger("version"));
  }

  @Test
  @DisplayName("a random search samples params within their ranges and stops on a plateau")
  void randomSearchPlateau() throws Exception {
    JsonObject definition = new JsonObject().put("name", "random-tune").put("steps", new JsonArray()
        .add(new JsonObject().put("id", "tune").put("kind", "optimize").put("train", train("small", "random-tuned"))
            .put("search", new JsonObject().put("random", new JsonObject()
                    .put("regParam", new JsonObject().put("min", 0.0).put("max", 1.0))
                    .put("maxIter", new JsonObject().put("min", 5).put("max", 30).put("integer", true)))
                .put("samples", 8).put("seed", 3))
            .put("metric", "auc").put("validation_dataset", "fresh").put("parallelism", 1).put("plateau", 1)));
    assertThat(api.postJson("/api/workflows", definition).status()).isEqualTo(201);
    JsonObject run = awaitEnd(api, api.postJson("/api/workflows/random-tune/runs", new JsonObject()
        .put("input", new JsonObject())).json().getString("id"));
    assertThat(run.getString("status")).as(run.encode()).isEqualTo("succeeded");
    JsonObject output = stepOf(run, "tune").getJsonObject("output");
    JsonArray candidates = output.getJsonArray("candidates");
    assertThat(output.getString("stopped")).as(output.encode()).isEqualTo("plateau");
    assertThat(candidates.size()).isBetween(2, 8);
    // one candidate without improvement ends the search: every candidate but the last improved on the best so far
    double best = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < candidates.size(); i++) {
      JsonObject candidate = candidates.getJsonObject(i);
      double value = candidate.getDouble("value");
      assertThat(value > best).as(candidates.encode()).isEqualTo(i < candidates.size() - 1);
      best = Math.max(best, value);
      JsonObject params = candidate.getJsonObject("params");
      if (i > 0) {
        assertThat(params.getDouble("regParam")).isBetween(0.0, 1.0);
        assertThat(params.getValue("maxIter")).isInstanceOf(Number.class);
        assertThat(params.getLong("maxIter")).isBetween(5L, 30L);
      }
    }
    assertThat(output.getJsonObject("best").getDouble("value")).isEqualTo(best);
  }

  @Test
  @DisplayName("the alias moves only to a candidate that beats the version holding it, or replaces one that cannot be"
      + " scored on the validation dataset; compare_with_alias false moves it regardless")
  void aliasGoesToTheBetterVersion() throws Exception {
    // version 1, the champion: a PMML model over a column ("age") that the validation dataset lacks
    assertThat(api.postJson("/api/models", new JsonObject().put("name", "contested")).status()).isEqualTo(201);
    byte[] otherFeatures = new String(TestModels.pmmlRegression(), StandardCharsets.UTF_8).replace("x1", "age")
        .getBytes(StandardCharsets.UTF_8);
    assertThat(api.upload("/api/models/contested/versions", Map.of("format", "pmml"), "age.pmml", otherFeatures)
        .status()).isEqualTo(201);
    assertThat(api.putJson("/api/models/contested/aliases/champion", new JsonObject().put("version", 1)).status())
        .isEqualTo(200);
    // an unregularized fit on the 30 rows learns their noise: regParam 0.2 scores better on fresh data than 0.0
    JsonObject definition = new JsonObject().put("name", "contest").put("steps", new JsonArray()
        .add(challenge("unscored", 0.0))
        .add(challenge("beaten", 0.2))
        .add(challenge("forced", 0.0).put("compare_with_alias", false))
        .add(new JsonObject().put("id", "restore").put("kind", "call").put("operation", "model.alias.set")
            .put("inputs", new JsonObject().put("name", "contested").put("alias", "champion")
                .put("version", "${steps.beaten.best.version}")))
        .add(challenge("kept", 0.0)));
    assertThat(api.postJson("/api/workflows", definition).status()).isEqualTo(201);
    JsonObject run = awaitEnd(api, api.postJson("/api/workflows/contest/runs", new JsonObject()
        .put("input", new JsonObject())).json().getString("id"));
    assertThat(run.getString("status")).as(run.encode()).isEqualTo("succeeded");

    JsonObject unscored = stepOf(run, "unscored").getJsonObject("output");
    assertThat(unscored.getBoolean("alias_moved")).as(unscored.encode()).isTrue();
    assertThat(unscored.getJsonObject("champion").getInteger("version")).isEqualTo(1);
    assertThat(unscored.getJsonObject("champion").getString("error")).contains("age");
    assertThat(unscored.getString("alias_reason")).contains("could not be scored");

    JsonObject beaten = stepOf(run, "beaten").getJsonObject("output");
    JsonObject weak = unscored.getJsonObject("best");
    assertThat(beaten.getBoolean("alias_moved")).as(beaten.encode()).isTrue();
    // the champion was scored by an evaluate execution of its own, as its candidate was
    assertThat(beaten.getJsonObject("champion").getInteger("version")).isEqualTo(weak.getInteger("version"));
    assertThat(beaten.getJsonObject("champion").getString("execution")).isNotEqualTo(weak.getString("execution"));
    assertThat(beaten.getJsonObject("champion").getDouble("value")).isCloseTo(weak.getDouble("value"), within(1e-9));
    // recorded with the step as it started, so that a resumed run waits for it rather than starting another
    assertThat(stepOf(run, "beaten").getJsonObject("executions").getString("champion-" + weak.getInteger("version")))
        .isEqualTo(beaten.getJsonObject("champion").getString("execution"));
    double strong = beaten.getJsonObject("best").getDouble("value");
    assertThat(strong).isGreaterThan(weak.getDouble("value"));

    JsonObject forced = stepOf(run, "forced").getJsonObject("output");
    assertThat(forced.getBoolean("alias_moved")).as(forced.encode()).isTrue();
    assertThat(forced.containsKey("champion")).isFalse();
    assertThat(forced.getJsonObject("best").getDouble("value")).isLessThan(strong);

    JsonObject kept = stepOf(run, "kept").getJsonObject("output");
    assertThat(kept.getBoolean("alias_moved")).as(kept.encode()).isFalse();
    assertThat(kept.getJsonObject("champion").getInteger("version")).isEqualTo(beaten.getJsonObject("best").getInteger("version"));
    assertThat(kept.getJsonObject("champion").getDouble("value")).isCloseTo(strong, within(1e-9));
    assertThat(kept.getJsonObject("best").getDouble("value")).isLessThan(strong);
    JsonObject champion = api.get("/api/models/contested/versions/champion").json();
    assertThat(champion.getInteger("version")).isEqualTo(beaten.getJsonObject("best").getInteger("version"));
    assertThat(api.get("/api/models/contested").json().getInteger("latest_version"))
        .isEqualTo(kept.getJsonObject("best").getInteger("version"));
  }

  /** An optimize step with one candidate, regParam {@code regParam}, for model "contested"'s champion alias. */
  private static JsonObject challenge(String id, double regParam) {
    return new JsonObject().put("id", id).put("kind", "optimize").put("train", train("small", "contested"))
        .put("search", new JsonObject().put("grid", new JsonObject().put("regParam", new JsonArray().add(regParam))))
        .put("include_default", false).put("metric", "auc").put("validation_dataset", "fresh").put("alias", "champion");
  }

  @Test
  @DisplayName("a search stops launching candidates once its time budget is spent, and says it stopped on the budget")
  void timeBudget() throws Exception {
    JsonArray grid = new JsonArray().add(0.01).add(0.02).add(0.03).add(0.04).add(0.05).add(0.06);
    JsonObject definition = new JsonObject().put("name", "budgeted").put("steps", new JsonArray()
        .add(new JsonObject().put("id", "tune").put("kind", "optimize").put("train", train("fresh", "budgeted"))
            .put("search", new JsonObject().put("grid", new JsonObject().put("regParam", grid)))
            .put("include_default", false).put("metric", "auc").put("parallelism", 1)
            .put("budget", new JsonObject().put("seconds", 1))));
    assertThat(api.postJson("/api/workflows", definition).status()).isEqualTo(201);
    JsonObject run = awaitEnd(api, api.postJson("/api/workflows/budgeted/runs", new JsonObject()
        .put("input", new JsonObject())).json().getString("id"));
    assertThat(run.getString("status")).as(run.encode()).isEqualTo("succeeded");
    JsonObject output = stepOf(run, "tune").getJsonObject("output");
    assertThat(output.getString("stopped")).as(output.encode()).isEqualTo("budget");
    // a training takes about as long as the budget: the search stopped after one or two of the six candidates
    int ran = output.getJsonArray("candidates").size();
    assertThat(ran).as(output.encode()).isPositive().isLessThan(grid.size());
    // no candidate was launched beyond those reported: each training registers a version
    assertThat(api.get("/api/models/budgeted").json().getInteger("latest_version")).isEqualTo(ran);
  }

  /** A train execution's request: a logistic regression of "label" on {@link #features}. */
  private static JsonObject train(String dataset, String model) {
    return new JsonObject().put("dataset", dataset).put("algorithm", "logistic_regression").put("features", features)
        .put("label", "label").put("model", model);
  }

  @Test
  @DisplayName("train → evaluate → gate on AUC → champion → deploy, then the gate stops a version below the bar")
  void trainEvaluateDeploy() throws Exception {
    JsonObject input = new JsonObject().put("dataset", "fresh").put("validation_dataset", "small")
        .put("features", new JsonArray().add("x1").add("x2")).put("label", "label").put("model", "gated")
        .put("deployment", "gated-online").put("min_auc", 0.7);
    JsonObject run = awaitEnd(api, api.postJson("/api/workflows/train-evaluate-deploy/runs",
        new JsonObject().put("input", input)).json().getString("id"));
    assertThat(run.getString("status")).as(run.encode()).isEqualTo("succeeded");
    assertThat(run.getJsonObject("output").getDouble("auc")).isGreaterThan(0.7);
    assertThat(stepOf(run, "evaluate").getJsonObject("output").getJsonObject("result").getJsonObject("metrics")
        .getDouble("auc")).isGreaterThan(0.7);
    assertThat(stepOf(run, "deploy").getString("status")).isEqualTo("succeeded");
    assertThat(stepOf(run, "status").getJsonObject("output").getString("version")).isEqualTo("champion");
    assertThat(api.get("/api/models/gated/versions/champion").json().getInteger("version")).isEqualTo(1);
  }
}
