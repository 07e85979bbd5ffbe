package io.mlplatform;

import io.mlplatform.support.Api;
import io.mlplatform.support.NodeProcess;
import io.mlplatform.support.TestNodes;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static io.mlplatform.ExecutionRestartTest.awaitStatus;
import static org.assertj.core.api.Assertions.assertThat;

@Tag("slow")
@DisplayName("An execution whose node process is killed")
class ExecutionKillTest {
  private static final String LEASE_MS = "3000";

  @TempDir
  Path dir;

  @Test
  @DisplayName("runs again on another node once the dead node's lease lapses, and its output is recorded once")
  void killedMidRun() throws Exception {
    TestNodes.Cluster cluster = TestNodes.cluster(3);
    Map<String, String> front = cluster.node(0, "gateway,hub,model,data", Map.of());
    try (Node gateway = TestNodes.start(dir.resolve("a"), front)) {
      Api api = new Api(gateway.httpPort());
      api.upload("/api/datasets", Map.of("name", "t"), "t.csv", "a,b\n1,2\n3,4\n".getBytes());

      // a whole other JVM with the execution role, sharing the first node's stores
      String workerId;
      String id;
      try (NodeProcess worker = NodeProcess.start(dir.resolve("worker"), cluster.node(1, "execution",
          Map.of("MLP_MONGO_URI", gateway.mongoUri(), "MLP_S3_ENDPOINT", gateway.s3Endpoint(),
              "MLP_EXECUTION_LEASE_MS", LEASE_MS, "MLP_SPARK_MASTER", "local[1]")))) {
        workerId = worker.nodeId();
        id = api.postJson("/api/executions", new JsonObject().put("type", "transform").put("dataset", "t")
            .put("output", "counted").put("steps", new JsonArray().add(new JsonObject()
                .put("sql", "SELECT COUNT(*) AS n FROM range(0, 200000000)")))).json().getString("id");
        JsonObject running = awaitStatus(api, id, "running");
        assertThat(running.getString("node")).isEqualTo(workerId);
        worker.kill();   // SIGKILL: no shutdown hook, no hand-back
      }

      try (Node survivor = TestNodes.start(dir.resolve("b"), cluster.node(2, "execution",
          Map.of("MLP_MONGO_URI", gateway.mongoUri(), "MLP_S3_ENDPOINT", gateway.s3Endpoint(),
              "MLP_EXECUTION_LEASE_MS", LEASE_MS, "MLP_SPARK_MASTER", "local[2]")))) {
        JsonObject done = awaitStatus(api, id, "succeeded");
        assertThat(done.getInteger("attempts")).isEqualTo(2);
        assertThat(done.getString("node")).isEqualTo(survivor.nodeId());
        JsonObject output = done.getJsonObject("result").getJsonArray("outputs").getJsonObject(0);
        assertThat(output.getInteger("version")).isEqualTo(1);
        assertThat(api.get("/api/datasets/counted/versions/1/preview").json().getJsonArray("rows").getJsonObject(0)
            .getLong("n")).isEqualTo(200_000_000L);
        assertThat(api.get("/api/datasets/counted/versions/2").status()).isEqualTo(404);
      }
    }
  }
}
