package io.mlplatform;

import io.mlplatform.support.Api;
import io.mlplatform.support.FakeChatServer;
import io.mlplatform.support.TestNodes;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static io.mlplatform.WorkflowTest.awaitEnd;
import static io.mlplatform.WorkflowTest.stepOf;
import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("A workflow run under way when its hub node stops is resumed by another hub node")
class WorkflowResumeTest {
  private static final Map<String, String> SETTINGS = Map.of("MLP_EXECUTION_LEASE_MS", "3000");
  private static final int ITEMS = 8;

  @TempDir
  Path dir;

  @Test
  @DisplayName("the next hub resumes from the last finished step: finished steps and tasks are not run again")
  void resumedOnAnotherNode() throws Exception {
    Path data = dir.resolve("data");
    try (FakeChatServer chat = new FakeChatServer()) {
      String id;
      String firstNode;
      try (Node first = TestNodes.start(data, SETTINGS)) {
        firstNode = first.nodeId();
        Api api = new Api(first.httpPort());
        WorkflowLlmTest.deployChat(api, chat, "chat");
        JsonArray items = new JsonArray();
        for (int i = 0; i < ITEMS; i++) {
          items.add("slow " + i);
        }
        JsonObject definition = new JsonObject().put("name", "slow").put("steps", new JsonArray()
            .add(new JsonObject().put("id", "models").put("kind", "call").put("operation", "model.list"))
            .add(new JsonObject().put("id", "ask").put("kind", "map").put("items", "${input.prompts}")
                .put("concurrency", 1).put("max_attempts", 8)
                .put("task", new JsonObject().put("deployment", "chat")
                    .put("inputs", new JsonObject().put("inputs", new JsonArray().add("${item}"))))))
            .put("output", "${steps.ask.results.outputs.text}");
        assertThat(api.postJson("/api/workflows", definition).status()).isEqualTo(201);
        id = api.postJson("/api/workflows/slow/runs", new JsonObject().put("input", new JsonObject()
            .put("prompts", items))).json().getString("id");
        long deadline = System.currentTimeMillis() + 20_000;
        while (stepOf(api.get("/api/workflow-runs/" + id).json(), "ask").getInteger("tasks_done", 0) < 2) {
          assertThat(System.currentTimeMillis()).isLessThan(deadline);
          Thread.sleep(50);
        }
      }
      int askedBeforeStop = chat.requests.size();
      assertThat(askedBeforeStop).isLessThan(ITEMS);
      try (Node second = TestNodes.start(data, SETTINGS)) {
        Api api = new Api(second.httpPort());
        JsonObject run = awaitEnd(api, id);
        assertThat(run.getString("status")).as(run.encode()).isEqualTo("succeeded");
        assertThat(run.getInteger("attempts")).isEqualTo(2);
        assertThat(run.getString("node")).isEqualTo(second.nodeId());
        assertThat(run.getJsonArray("output")).hasSize(ITEMS).contains("echo: slow 0", "echo: slow 7");
        JsonObject models = stepOf(run, "models");
        assertThat(models.getInteger("attempt")).isEqualTo(1);
        assertThat(models.getString("node")).isEqualTo(firstNode);
        JsonObject ask = stepOf(run, "ask");
        assertThat(ask.getInteger("attempt")).isEqualTo(2);
        assertThat(ask.getJsonObject("output").getJsonObject("nodes").getInteger(firstNode)).isGreaterThanOrEqualTo(2);
        assertThat(ask.getJsonObject("output").getJsonObject("nodes").getInteger(second.nodeId())).isPositive();
        // only a task in flight when the node stopped is asked twice
        assertThat(chat.requests.size()).isLessThanOrEqualTo(ITEMS + 1);
      }
    }
  }
}
