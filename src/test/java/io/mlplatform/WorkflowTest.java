package io.mlplatform;

import io.mlplatform.mcp.Envelope;
import io.mlplatform.support.Api;
import io.mlplatform.support.FromNode;
import io.mlplatform.support.Prometheus;
import io.mlplatform.support.SharedNode;
import io.mlplatform.support.Waits;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;

@Tag("fast")
@ExtendWith(SharedNode.class)
@DisplayName("Workflows: definitions and the step kinds that need no Spark")
class WorkflowTest {
  @FromNode static Node node;
  @FromNode static Api api;
  static final List<JsonObject> EVENTS = new CopyOnWriteArrayList<>();
  static MessageConsumer<Envelope> events;

  @BeforeAll
  static void start() {
    events = node.vertx().eventBus().<Envelope>consumer("mcp.events.workflows", event -> EVENTS.add(event.body().payload()));
    api.upload("/api/datasets", Map.of("name", "wf-people"), "people.csv", "name,age\nada,36\nalan,41\n".getBytes());
  }

  @AfterAll
  static void stopListening() {
    events.unregister();
  }

  static JsonObject step(String id, String kind) {
    return new JsonObject().put("id", id).put("kind", kind);
  }

  static JsonObject call(String id, String operation, JsonObject inputs) {
    return step(id, "call").put("operation", operation).put("inputs", inputs);
  }

  static JsonObject workflow(String name, JsonObject... steps) {
    return new JsonObject().put("name", name).put("steps", new JsonArray(List.of((Object[]) steps)));
  }

  /** Creates the workflow, runs it with {@code input} and waits for the run to end. */
  static JsonObject run(JsonObject definition, JsonObject input) throws InterruptedException {
    Api.Response created = api.postJson("/api/workflows", definition);
    assertThat(created.status()).as(created.text()).isEqualTo(201);
    Api.Response started = api.postJson("/api/workflows/" + definition.getString("name") + "/runs",
        new JsonObject().put("input", input));
    assertThat(started.status()).as(started.text()).isEqualTo(202);
    return awaitEnd(api, started.json().getString("id"));
  }

  static JsonObject awaitEnd(Api api, String id) {
    return Waits.runEnded(api, id, Duration.ofSeconds(60));
  }

  static JsonObject stepOf(JsonObject run, String id) {
    return run.getJsonArray("steps").stream().map(JsonObject.class::cast).filter(s -> id.equals(s.getString("id")))
        .findFirst().orElseThrow();
  }

  @Test
  @DisplayName("/metrics counts workflow runs by workflow and status")
  void runMetrics() throws Exception {
    Prometheus before = Prometheus.parse(api.get("/metrics").text());
    assertThat(run(workflow("metered", call("list", "model.list", new JsonObject())), new JsonObject())
        .getString("status")).isEqualTo("succeeded");
    double counted = await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100))
        .until(() -> Prometheus.parse(api.get("/metrics").text()).sum("mlplatform_workflow_runs_seconds_count",
            "workflow", "metered", "status", "succeeded")
            - before.sum("mlplatform_workflow_runs_seconds_count", "workflow", "metered", "status", "succeeded"),
            greaterThanOrEqualTo(1.0));
    assertThat(counted).isEqualTo(1);
  }

  @Test
  @DisplayName("definitions are versioned; a bad one is refused with 400 naming the step, and nothing is stored")
  void definitions() {
    JsonObject good = workflow("crud", call("first", "model.list", new JsonObject()));
    assertThat(api.postJson("/api/workflows", good).json().getInteger("version")).isEqualTo(1);
    JsonObject second = api.postJson("/api/workflows", good.copy().put("description", "again")).json();
    assertThat(second.getInteger("version")).isEqualTo(2);
    JsonObject got = api.get("/api/workflows/crud").json();
    assertThat(got.getInteger("latest_version")).isEqualTo(2);
    assertThat(got.getString("description")).isEqualTo("again");
    assertThat(got.getJsonObject("definition").getJsonArray("steps")).hasSize(1);
    assertThat(api.get("/api/workflows/crud?version=1").json().getInteger("version")).isEqualTo(1);
    assertThat(api.get("/api/workflows").json().getJsonArray("items").stream()
        .map(w -> ((JsonObject) w).getString("name"))).contains("crud");

    assertRefused(workflow("bad", call("a", "model.list", new JsonObject()).put("next", "nowhere")), "a", "nowhere");
    assertRefused(workflow("bad", call("a", "model.list", new JsonObject().put("x", "${steps.ghost.name}"))),
        "a", "ghost");
    assertRefused(workflow("bad", call("a", "model.explode", new JsonObject())), "a", "model.explode");
    assertRefused(workflow("bad", call("a", "model.list", new JsonObject().put("x", "${input.(}"))), "a", "parse");
    assertRefused(workflow("bad", call("a", "model.list", new JsonObject()).put("next", "b"),
        call("b", "model.list", new JsonObject()).put("next", "a")), "a", "cycle");
    assertRefused(workflow("bad", step("a", "teleport")), "a", "teleport");
    assertRefused(workflow("bad", call("a", "model.list", new JsonObject()), call("a", "model.list", new JsonObject())),
        "a", "two steps");
    assertRefused(workflow("bad", step("p", "parallel").put("branches", new JsonObject()
        .put("x", new JsonArray().add(step("g", "gate").put("condition", "${steps.nope}"))))), "g", "nope");
    assertRefused(workflow("bad", step("tune", "optimize").put("train", new JsonObject().put("dataset", "d")
        .put("algorithm", "logistic_regression").put("features", new JsonArray().add("x")).put("model", "m"))
        .put("search", new JsonObject().put("grid", new JsonObject().put("regParam", "high"))).put("metric", "auc")),
        "tune", "search.grid.regParam");
    assertRefused(workflow("bad", step("spread", "map").put("items", "${input.list}")
        .put("task", new JsonObject().put("operation", "model.nope"))), "spread", "task.operation");
    assertThat(api.get("/api/workflows/bad").status()).isEqualTo(404);
    assertThat(api.postJson("/api/workflows", new JsonObject().put("name", "bad")).status()).isEqualTo(400);

    assertThat(api.delete("/api/workflows/crud").status()).isEqualTo(204);
    assertThat(api.get("/api/workflows/crud").status()).isEqualTo(404);
    assertThat(api.postJson("/api/workflows/crud/runs", new JsonObject()).status()).isEqualTo(404);
  }

  private static void assertRefused(JsonObject definition, String step, String mention) {
    Api.Response refused = api.postJson("/api/workflows", definition);
    assertThat(refused.status()).as(refused.text()).isEqualTo(400);
    assertThat(refused.errorMessage()).contains("step '" + step + "'").contains(mention);
  }

  @Test
  @DisplayName("call steps chain: each output feeds the next; the run shows each step's inputs, output and timing")
  void chain() throws Exception {
    JsonObject definition = workflow("chain",
        call("create", "model.create", new JsonObject().put("name", "${input.model}")),
        call("describe", "model.update", new JsonObject().put("name", "${steps.create.name}")
            .put("description", "${'created at ' & steps.create.created_at}")),
        call("fetch", "model.get", new JsonObject().put("name", "${steps.describe.name}")))
        .put("input_schema", new JsonObject().put("type", "object").put("required", new JsonArray().add("model"))
            .put("properties", new JsonObject().put("model", new JsonObject().put("type", "string"))))
        .put("output", "${steps.fetch.description}");
    JsonObject run = run(definition, new JsonObject().put("model", "chained"));
    assertThat(run.getString("status")).as(run.encode()).isEqualTo("succeeded");
    assertThat(run.getString("output")).startsWith("created at 20");
    JsonObject describe = stepOf(run, "describe");
    assertThat(describe.getString("status")).isEqualTo("succeeded");
    assertThat(describe.getJsonObject("inputs").getString("name")).isEqualTo("chained");
    assertThat(describe.getJsonObject("output").getString("description")).startsWith("created at");
    assertThat(describe.getLong("duration_ms")).isNotNull();
    assertThat(describe.getString("started_at")).isNotNull();
    assertThat(EVENTS).anyMatch(e -> run.getString("id").equals(e.getString("run")) && "describe".equals(e.getString("step"))
        && "succeeded".equals(e.getString("status")));
    assertThat(EVENTS).anyMatch(e -> run.getString("id").equals(e.getString("run")) && e.getString("step") == null
        && "succeeded".equals(e.getString("status")));

    Api.Response unfit = api.postJson("/api/workflows/chain/runs", new JsonObject().put("input", new JsonObject().put("model", 7)));
    assertThat(unfit.status()).isEqualTo(400);
    assertThat(unfit.errorMessage()).contains("input_schema").contains("model");
    assertThat(api.postJson("/api/workflows/chain/runs", new JsonObject()).status()).isEqualTo(400);

    JsonObject failed = run(definition, new JsonObject().put("model", "chained"));
    assertThat(failed.getString("status")).isEqualTo("failed");
    assertThat(failed.getJsonObject("error").getString("step")).isEqualTo("create");
    assertThat(failed.getJsonObject("error").getString("code")).isEqualTo("conflict");
    assertThat(stepOf(failed, "describe").getString("status")).isEqualTo("pending");
  }

  @Test
  @DisplayName("an expression that runs away fails its step, and the node goes on serving")
  void runaway() throws Exception {
    JsonObject run = run(workflow("runaway", step("loop", "gate")
        .put("condition", "${($f := function($n) { $f($n + 1) }; $f(0))}")), new JsonObject());
    assertThat(run.getString("status")).isEqualTo("failed");
    assertThat(run.getJsonObject("error").getString("step")).isEqualTo("loop");
    assertThat(run.getJsonObject("error").getString("code")).isEqualTo("invalid_argument");
    assertThat(api.get("/api/workflows/runaway/runs").json().getJsonArray("items")).hasSize(1);
  }

  @Test
  @DisplayName("a gate stops the run with its reason unless its condition or validation holds")
  void gate() throws Exception {
    JsonObject definition = workflow("gated",
        step("enough", "gate").put("condition", "${input.score >= 0.8}").put("reason", "${'score ' & input.score & ' is too low'}"),
        step("columns", "gate").put("check", new JsonObject().put("schema", new JsonObject().put("dataset", "wf-people")
            .put("columns", new JsonObject().put("age", "integer").put("name", null)))),
        step("more", "gate").put("check", new JsonObject().put("schema", new JsonObject().put("dataset", "wf-people")
            .put("columns", new JsonObject().put("height", null)))));
    JsonObject stopped = run(definition, new JsonObject().put("score", 0.5));
    assertThat(stopped.getString("status")).isEqualTo("failed");
    assertThat(stopped.getJsonObject("error").getString("code")).isEqualTo("gate_closed");
    assertThat(stopped.getJsonObject("error").getString("message")).contains("score 0.5 is too low");
    assertThat(stepOf(stopped, "columns").getString("status")).isEqualTo("pending");

    JsonObject past = awaitEnd(api, api.postJson("/api/workflows/gated/runs",
        new JsonObject().put("input", new JsonObject().put("score", 0.9))).json().getString("id"));
    assertThat(stepOf(past, "enough").getString("status")).isEqualTo("succeeded");
    assertThat(stepOf(past, "columns").getString("status")).isEqualTo("succeeded");
    assertThat(past.getJsonObject("error").getString("step")).isEqualTo("more");
    assertThat(past.getJsonObject("error").getString("message")).contains("no column 'height'");
  }

  @Test
  @DisplayName("a route picks the next step from data; the branch not taken stays pending")
  void route() throws Exception {
    JsonObject definition = workflow("routed",
        step("size", "route").put("on", "${input.rows > 100 ? 'big' : 'small'}")
            .put("branches", new JsonObject().put("big", "spark").put("small", "local")),
        call("spark", "model.list", new JsonObject().put("limit", 1)).put("end", true),
        call("local", "dataset.get", new JsonObject().put("name", "wf-people")))
        .put("output", "${steps.size.branch}");
    JsonObject small = run(definition, new JsonObject().put("rows", 3));
    assertThat(small.getString("status")).as(small.encode()).isEqualTo("succeeded");
    assertThat(small.getString("output")).isEqualTo("small");
    assertThat(stepOf(small, "spark").getString("status")).isEqualTo("pending");
    assertThat(stepOf(small, "local").getString("status")).isEqualTo("succeeded");
    JsonObject big = awaitEnd(api, api.postJson("/api/workflows/routed/runs",
        new JsonObject().put("input", new JsonObject().put("rows", 1000))).json().getString("id"));
    assertThat(stepOf(big, "spark").getString("status")).isEqualTo("succeeded");
    assertThat(stepOf(big, "local").getString("status")).isEqualTo("pending");
  }

  @Test
  @DisplayName("parallel branches run at once and aggregate; a failed branch fails the step or is listed")
  void parallel() throws Exception {
    JsonObject branches = new JsonObject()
        .put("models", new JsonArray().add(call("models", "model.list", new JsonObject())))
        .put("data", new JsonArray().add(call("data", "dataset.get", new JsonObject().put("name", "wf-people")))
            .add(call("data_version", "dataset.version.get", new JsonObject().put("name", "${steps.data.name}")
                .put("version", "latest"))))
        .put("missing", new JsonArray().add(call("missing", "model.get", new JsonObject().put("name", "ghost"))));
    JsonObject all = run(workflow("fanout", step("fan", "parallel").put("branches", branches).put("on_failure", "continue"))
        .put("output", "${steps.fan}"), new JsonObject());
    assertThat(all.getString("status")).as(all.encode()).isEqualTo("succeeded");
    JsonObject output = all.getJsonObject("output");
    assertThat(output.getJsonObject("branches").getJsonObject("data").getInteger("version")).isEqualTo(1);
    assertThat(output.getJsonObject("branches").getJsonObject("models").getJsonArray("items")).isNotNull();
    assertThat(output.getJsonObject("failed").getString("missing")).contains("ghost");
    assertThat(stepOf(all, "data_version").getString("parent")).isEqualTo("fan");

    JsonObject strict = run(workflow("fanout-strict", step("fan2", "parallel").put("branches", new JsonObject()
        .put("ok", new JsonArray().add(call("ok", "model.list", new JsonObject())))
        .put("missing", new JsonArray().add(call("missing2", "model.get", new JsonObject().put("name", "ghost")))))),
        new JsonObject());
    assertThat(strict.getString("status")).isEqualTo("failed");
    assertThat(strict.getJsonObject("error").getString("step")).isEqualTo("fan2");
    assertThat(stepOf(strict, "missing2").getString("status")).isEqualTo("failed");
    assertThat(stepOf(strict, "ok").getString("status")).isEqualTo("succeeded");

    JsonObject merged = run(workflow("fanout-merge", step("fan3", "parallel").put("aggregate", "merge").put("branches",
        new JsonObject()
            .put("a", new JsonArray().add(call("a", "dataset.get", new JsonObject().put("name", "wf-people"))))
            .put("b", new JsonArray().add(call("b", "model.list", new JsonObject().put("limit", 1))))))
        .put("output", "${steps.fan3}"), new JsonObject());
    assertThat(merged.getJsonObject("output").getString("name")).isEqualTo("wf-people");
    assertThat(merged.getJsonObject("output").containsKey("items")).isTrue();
  }

  @Test
  @DisplayName("a map step spreads one task per item over the task workers, at most `concurrency` at once")
  void map() throws Exception {
    JsonObject definition = workflow("fanned",
        step("create", "map").put("items", "${input.names}").put("concurrency", 2)
            .put("task", new JsonObject().put("operation", "model.create")
                .put("inputs", new JsonObject().put("name", "${item}").put("description", "${'task ' & index}"))))
        .put("output", "${steps.create.results.description}");
    JsonArray names = new JsonArray().add("m-1").add("m-2").add("m-3").add("m-4").add("m-5");
    JsonObject run = run(definition, new JsonObject().put("names", names));
    assertThat(run.getString("status")).as(run.encode()).isEqualTo("succeeded");
    assertThat(run.getJsonArray("output")).containsExactly("task 0", "task 1", "task 2", "task 3", "task 4");
    JsonObject map = stepOf(run, "create");
    assertThat(map.getInteger("tasks_done")).isEqualTo(5);
    assertThat(map.getJsonObject("output").getJsonObject("nodes").getInteger(node.nodeId())).isEqualTo(5);
    assertThat(map.getJsonObject("progress").getInteger("done")).isEqualTo(5);
    assertThat(api.get("/api/models/m-3").json().getString("description")).isEqualTo("task 2");

    JsonObject again = awaitEnd(api, api.postJson("/api/workflows/fanned/runs", new JsonObject().put("input",
        new JsonObject().put("names", new JsonArray().add("m-6").add("m-1")))).json().getString("id"));
    assertThat(again.getString("status")).isEqualTo("failed");
    assertThat(again.getJsonObject("error").getString("message")).contains("item 1").contains("m-1");
  }

  @Test
  @DisplayName("the examples install in one call and are listed")
  void examples() {
    assertThat(api.get("/api/workflow-examples").json().getJsonArray("items")).hasSize(3);
    Api.Response installed = api.postJson("/api/workflow-examples", new JsonObject());
    assertThat(installed.status()).as(installed.text()).isEqualTo(201);
    assertThat(installed.json().getJsonArray("installed").stream().map(i -> ((JsonObject) i).getString("name")))
        .containsExactlyInAnyOrder("train-evaluate-deploy", "tune-and-deploy", "llm-summarize-classify");
    assertThat(api.get("/api/workflows/tune-and-deploy").json().getJsonObject("definition")
        .getJsonObject("input_schema")).isNotNull();
    Api.Response unfit = api.postJson("/api/workflows/tune-and-deploy/runs", new JsonObject()
        .put("input", new JsonObject().put("dataset", "wf-people")));
    assertThat(unfit.status()).isEqualTo(400);
    assertThat(unfit.errorMessage()).contains("validation_dataset");
  }
}
