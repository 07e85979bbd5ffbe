package io.mlplatform;

import io.mlplatform.support.Api;
import io.mlplatform.support.FakeChatServer;
import io.mlplatform.support.FromNode;
import io.mlplatform.support.SharedNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.Map;

import static io.mlplatform.WorkflowTest.awaitEnd;
import static io.mlplatform.WorkflowTest.stepOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.is;

@Tag("fast")
@ExtendWith(SharedNode.class)
@DisplayName("Workflows with an LLM deployment (a local OpenAI-compatible server)")
class WorkflowLlmTest {
  @FromNode static Api api;
  static FakeChatServer chat;

  @BeforeAll
  static void start() throws Exception {
    chat = new FakeChatServer();
    deployChat(api, chat, "chat");
    api.upload("/api/datasets", Map.of("name", "visits"), "visits.csv", "patient,pulse\nann,71\nbob,64\n".getBytes());
  }

  /** An LLM model version on the fake server, deployed as {@code deployment}, ready. */
  static void deployChat(Api api, FakeChatServer chat, String deployment) {
    deployChat(api, api, chat, deployment);
  }

  /** The same, the version made by {@code admin} (another provider's base_url is an admin's) and deployed by {@code api}. */
  static void deployChat(Api admin, Api api, FakeChatServer chat, String deployment) {
    admin.postJson("/api/models", new JsonObject().put("name", "chat-model"));
    admin.postJson("/api/models/chat-model/versions", new JsonObject().put("format", "llm").put("provider", "local")
        .put("model", "tiny-chat").put("base_url", chat.baseUrl()));
    assertThat(api.postJson("/api/deployments", new JsonObject().put("name", deployment).put("model", "chat-model"))
        .status()).isEqualTo(201);
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
        .until(() -> api.get("/api/deployments/" + deployment).json().getString("status"), is("ready"));
  }

  @AfterAll
  static void stop() throws Exception {
    chat.close();
  }

  @Test
  @DisplayName("the LLM chain example summarizes a dataset's preview, then classifies the summary")
  void chainExample() throws Exception {
    assertThat(api.postJson("/api/workflow-examples", new JsonObject()).status()).isEqualTo(201);
    Api.Response started = api.postJson("/api/workflows/llm-summarize-classify/runs", new JsonObject()
        .put("input", new JsonObject().put("dataset", "visits").put("llm", "chat")));
    assertThat(started.status()).as(started.text()).isEqualTo(202);
    JsonObject run = awaitEnd(api, started.json().getString("id"));
    assertThat(run.getString("status")).as(run.encode()).isEqualTo("succeeded");
    JsonObject output = run.getJsonObject("output");
    assertThat(output.getString("summary")).startsWith("echo: Summarize").contains("patient, pulse").contains("ann");
    assertThat(output.getString("category")).startsWith("echo: Classify this dataset as one of: sales, health")
        .contains(output.getString("summary"));
    assertThat(stepOf(run, "summary").getJsonObject("inputs").getJsonArray("inputs").getString(0))
        .isEqualTo(output.getString("summary").substring("echo: ".length()));
    assertThat(chat.requests).hasSizeGreaterThanOrEqualTo(2);
  }

  @Test
  @DisplayName("a route picks its branch from an LLM deployment's classification")
  void routeByClassification() throws Exception {
    JsonObject definition = new JsonObject().put("name", "triage").put("steps", new JsonArray()
        .add(new JsonObject().put("id", "topic").put("kind", "route")
            .put("classify", new JsonObject().put("deployment", "chat").put("prompt", "${'Topic of: ' & input.text}"))
            .put("branches", new JsonObject().put("health", "clinic").put("sales", "shop")))
        .add(new JsonObject().put("id", "shop").put("kind", "call").put("operation", "model.list").put("end", true))
        .add(new JsonObject().put("id", "clinic").put("kind", "call").put("operation", "dataset.get")
            .put("inputs", new JsonObject().put("name", "visits"))));
    assertThat(api.postJson("/api/workflows", definition).status()).isEqualTo(201);
    JsonObject run = awaitEnd(api, api.postJson("/api/workflows/triage/runs", new JsonObject().put("input",
        new JsonObject().put("text", "a health check of the pulse"))).json().getString("id"));
    assertThat(run.getString("status")).as(run.encode()).isEqualTo("succeeded");
    assertThat(stepOf(run, "topic").getJsonObject("output").getString("branch")).isEqualTo("health");
    assertThat(stepOf(run, "clinic").getString("status")).isEqualTo("succeeded");
    assertThat(stepOf(run, "shop").getString("status")).isEqualTo("pending");
  }

  @Test
  @DisplayName("a run cancelled while its map step waits on slow tasks ends cancelled; a finished run cannot be")
  void cancel() throws Exception {
    JsonArray prompts = new JsonArray();
    for (int i = 0; i < 20; i++) {
      prompts.add("slow " + i);
    }
    JsonObject definition = new JsonObject().put("name", "long").put("steps", new JsonArray()
        .add(new JsonObject().put("id", "asks").put("kind", "map").put("items", "${input.prompts}").put("concurrency", 1)
            .put("task", new JsonObject().put("deployment", "chat")
                .put("inputs", new JsonObject().put("inputs", new JsonArray().add("${item}"))))));
    assertThat(api.postJson("/api/workflows", definition).status()).isEqualTo(201);
    String id = api.postJson("/api/workflows/long/runs", new JsonObject().put("input", new JsonObject()
        .put("prompts", prompts))).json().getString("id");
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
        .until(() -> stepOf(api.get("/api/workflow-runs/" + id).json(), "asks").getInteger("tasks_done", 0), greaterThanOrEqualTo(1));
    assertThat(api.postJson("/api/workflow-runs/" + id + "/cancel", new JsonObject()).status()).isEqualTo(200);
    JsonObject run = awaitEnd(api, id);
    assertThat(run.getString("status")).isEqualTo("cancelled");
    assertThat(stepOf(run, "asks").getString("status")).isEqualTo("cancelled");
    assertThat(stepOf(run, "asks").getInteger("tasks_done")).isLessThan(20);
    Api.Response again = api.postJson("/api/workflow-runs/" + id + "/cancel", new JsonObject());
    assertThat(again.status()).isEqualTo(409);
    assertThat(api.get("/api/workflow-runs?workflow=long").json().getJsonArray("items")).hasSize(1);
    assertThat(api.get("/api/workflow-runs/00000000-0000-0000-0000-000000000000").status()).isEqualTo(404);
  }
}
