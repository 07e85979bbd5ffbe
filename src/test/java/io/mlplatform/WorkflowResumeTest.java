package io.mlplatform;

import io.mlplatform.support.Api;
import io.mlplatform.support.FakeChatServer;
import io.mlplatform.support.TestNodes;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Predicate;

import static io.mlplatform.WorkflowTest.awaitEnd;
import static io.mlplatform.WorkflowTest.stepOf;
import static io.mlplatform.support.Waits.matching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@Tag("slow")
@DisplayName("A workflow run under way when its hub node stops is resumed by another hub node")
class WorkflowResumeTest {
  private static final int ITEMS = 16;
  private static final JsonObject PROMPTS = new JsonObject().put("input", new JsonObject().put("prompts",
      new JsonArray(java.util.stream.IntStream.range(0, ITEMS).mapToObj(i -> "slow " + i).toList())));

  @TempDir
  Path dir;

  @Test
  @DisplayName("map tasks spread over the hub nodes; when the run's hub stops, the other resumes it from its last"
      + " finished step and task")
  void resumedOnAnotherNode() throws Exception {
    Node stores = null;
    Node first = null;
    Node second = null;
    TestNodes.Cluster cluster = TestNodes.cluster(3);
    try (FakeChatServer chat = new FakeChatServer()) {
      stores = TestNodes.start(dir.resolve("stores"), cluster.node(0, "model,data", Map.of()));
      Map<String, String> shared = sharedStores(stores);
      first = TestNodes.start(dir.resolve("a"), cluster.node(1, "gateway,hub,execution", shared));
      second = TestNodes.start(dir.resolve("b"), cluster.node(2, "gateway,hub,execution", shared));
      Api api = new Api(first.httpPort());
      awaitRun(api, "/api/models", response -> response.status() == 200);
      WorkflowLlmTest.deployChat(api, chat, "chat");
      JsonObject definition = slowMap("slow", 2);
      definition.getJsonArray("steps").add(0, new JsonObject().put("id", "models").put("kind", "call")
          .put("operation", "model.list"));
      assertThat(api.postJson("/api/workflows", definition).status()).isEqualTo(201);
      String id = api.postJson("/api/workflows/slow/runs", PROMPTS).json().getString("id");
      awaitRun(api, "/api/workflow-runs/" + id, response -> stepOf(response.json(), "ask").getInteger("tasks_done", 0) >= 4);

      // stop whichever hub holds the run; the other one takes it up
      String holder = api.get("/api/workflow-runs/" + id).json().getString("node");
      if (holder.equals(second.nodeId())) {
        Node swap = first;
        first = second;
        second = swap;
      }
      String firstNode = first.nodeId();
      first.close();
      first = null;

      Api other = new Api(second.httpPort());
      JsonObject run = awaitEnd(other, id);
      assertThat(run.getString("status")).as(run.encode()).isEqualTo("succeeded");
      assertThat(run.getInteger("attempts")).isEqualTo(2);
      assertThat(run.getString("node")).isEqualTo(second.nodeId());
      assertThat(run.getJsonArray("output")).hasSize(ITEMS).contains("echo: slow 0", "echo: slow " + (ITEMS - 1));
      JsonObject models = stepOf(run, "models");
      assertThat(models.getInteger("attempt")).isEqualTo(1);
      assertThat(models.getString("node")).isEqualTo(firstNode);
      JsonObject ask = stepOf(run, "ask");
      assertThat(ask.getInteger("attempt")).isEqualTo(2);
      JsonObject nodes = ask.getJsonObject("output").getJsonObject("nodes");
      assertThat(nodes.fieldNames()).containsExactlyInAnyOrder(firstNode, second.nodeId());
      // only the tasks under way when the hub stopped are asked twice: those in flight (2, the map's concurrency)
      // and those answered whose save the hand-back refused (the saves are serialized: up to 2 more)
      assertThat(chat.requests.size()).as("prompts asked: %s", chat.requests.stream()
          .map(r -> r.getJsonArray("messages").getJsonObject(r.getJsonArray("messages").size() - 1).getString("content"))
          .toList()).isLessThanOrEqualTo(ITEMS + 4);
    } finally {
      for (Node node : new Node[]{second, first, stores}) {
        if (node != null) {
          node.close();
        }
      }
    }
  }

  @Test
  @DisplayName("when a worker node that is not the run's hub stops mid-map, its tasks go to the other workers and the"
      + " run finishes without being resumed")
  void workerNodeStops() throws Exception {
    Node stores = null;
    Node hub = null;
    Node worker = null;
    TestNodes.Cluster cluster = TestNodes.cluster(3);
    try (FakeChatServer chat = new FakeChatServer()) {
      stores = TestNodes.start(dir.resolve("stores"), cluster.node(0, "model,data", Map.of()));
      Map<String, String> shared = sharedStores(stores);
      hub = TestNodes.start(dir.resolve("a"), cluster.node(1, "gateway,hub,execution", shared));
      // a worker: the execution role runs task workers but no hub, so it never holds the run
      worker = TestNodes.start(dir.resolve("w"), cluster.node(2, "execution", shared));
      String workerNode = worker.nodeId();
      Api api = new Api(hub.httpPort());
      awaitRun(api, "/api/models", response -> response.status() == 200);
      WorkflowLlmTest.deployChat(api, chat, "chat");
      assertThat(api.postJson("/api/workflows", slowMap("spread", 4)).status()).isEqualTo(201);
      String id = api.postJson("/api/workflows/spread/runs", PROMPTS).json().getString("id");
      awaitRun(api, "/api/workflow-runs/" + id, response -> stepOf(response.json(), "ask").getInteger("tasks_done", 0)
          >= 4);
      worker.close();
      worker = null;

      JsonObject run = awaitEnd(api, id);
      assertThat(run.getString("status")).as(run.encode()).isEqualTo("succeeded");
      assertThat(run.getInteger("attempts")).isEqualTo(1);
      assertThat(run.getJsonArray("output")).hasSize(ITEMS);
      for (int i = 0; i < ITEMS; i++) {
        assertThat(run.getJsonArray("output").getString(i)).isEqualTo("echo: slow " + i);
      }
      JsonObject nodes = stepOf(run, "ask").getJsonObject("output").getJsonObject("nodes");
      // both nodes did tasks; the tasks the worker had in flight when it stopped were done again by the hub's worker
      assertThat(nodes.fieldNames()).as(nodes.encode()).containsExactlyInAnyOrder(hub.nodeId(), workerNode);
      assertThat(nodes.stream().mapToInt(e -> (Integer) e.getValue()).sum()).isEqualTo(ITEMS);
    } finally {
      for (Node node : new Node[]{worker, hub, stores}) {
        if (node != null) {
          node.close();
        }
      }
    }
  }

  /** A workflow whose map step asks the "chat" deployment one slow prompt per item ({@link #PROMPTS}). */
  private static JsonObject slowMap(String name, int concurrency) {
    return new JsonObject().put("name", name).put("steps", new JsonArray()
            .add(new JsonObject().put("id", "ask").put("kind", "map").put("items", "${input.prompts}")
                .put("concurrency", concurrency).put("max_attempts", 10)
                .put("task", new JsonObject().put("deployment", "chat")
                    .put("inputs", new JsonObject().put("inputs", new JsonArray().add("${item}"))))))
        .put("output", "${steps.ask.results.outputs.text}");
  }

  /** The stores node's MongoDB and S3 for the others, and leases short enough for a stopped node's to run out soon. */
  private static Map<String, String> sharedStores(Node stores) {
    return Map.of("MLP_MONGO_URI", stores.mongoUri(), "MLP_S3_ENDPOINT", stores.s3Endpoint(),
        "MLP_EXECUTION_LEASE_MS", "3000");
  }

  private static void awaitRun(Api api, String path, Predicate<Api.Response> done) {
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
        .until(() -> api.get(path), matching("an answer from " + path + " that shows it done", done::test));
  }
}
