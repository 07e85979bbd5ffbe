package io.mlplatform;

import io.mlplatform.support.Api;
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

import static io.mlplatform.support.Waits.matching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@Tag("slow")
@DisplayName("An execution under way when its node stops runs again")
class ExecutionRestartTest {
  private static final Map<String, String> SETTINGS = Map.of("MLP_SPARK_MASTER", "local[2]", "MLP_EXECUTION_LEASE_MS", "3000");

  @TempDir
  Path dir;

  @Test
  @DisplayName("a node that stops hands its running execution back to the queue; the next node takes it up")
  void handedBackOnStop() throws Exception {
    Path data = dir.resolve("data");
    String id;
    try (Node first = TestNodes.start(data, SETTINGS)) {
      Api api = new Api(first.httpPort());
      api.upload("/api/datasets", Map.of("name", "t"), "t.csv", "a,b\n1,2\n3,4\n".getBytes());
      id = api.postJson("/api/executions", new JsonObject().put("type", "transform").put("dataset", "t")
          .put("output", "endless").put("steps", new JsonArray().add(new JsonObject()
              .put("sql", "SELECT COUNT(*) AS n FROM range(0, 100000000000)")))).json().getString("id");
      awaitStatus(api, id, "running");
    }
    try (Node second = TestNodes.start(data, SETTINGS)) {
      Api api = new Api(second.httpPort());
      JsonObject again = awaitStatus(api, id, "running");
      assertThat(again.getInteger("attempts")).isEqualTo(2);
      assertThat(again.getString("node")).isEqualTo(second.nodeId());
      assertThat(api.get("/api/executions/" + id + "/logs").json().getJsonArray("lines").stream()
          .map(line -> ((JsonObject) line).getString("line"))).anyMatch(line -> line.startsWith("handed back"));
      api.postJson("/api/executions/" + id + "/cancel", new JsonObject());
      assertThat(awaitStatus(api, id, "cancelled").getInteger("attempts")).isEqualTo(2);
    }
  }

  static JsonObject awaitStatus(Api api, String id, String status) {
    return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
        .until(() -> api.get("/api/executions/" + id).json(),
            matching("execution " + id + " " + status, execution -> status.equals(execution.getString("status"))));
  }
}
