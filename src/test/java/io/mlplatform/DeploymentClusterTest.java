package io.mlplatform;

import io.mlplatform.support.Api;
import io.mlplatform.support.TestModels;
import io.mlplatform.support.TestNodes;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.mlplatform.support.Waits.matching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@Tag("slow")
@DisplayName("Deployment replicas spread over execution nodes and move when a node leaves")
class DeploymentClusterTest {
  @TempDir
  Path dir;

  @Test
  @DisplayName("two replicas on two nodes share predictions; when one node goes, the other serves both and predictions go on")
  void replicasFollowNodes() throws Exception {
    TestNodes.Cluster cluster = TestNodes.cluster(2);
    Node first = TestNodes.start(dir.resolve("a"), cluster.node(0, "gateway,hub,model,data,execution",
        Map.of("MLP_REQUEST_TIMEOUT_MS", "5000")));
    Node second = null;
    try {
      second = TestNodes.start(dir.resolve("b"), cluster.node(1, "execution",
          Map.of("MLP_MONGO_URI", first.mongoUri(), "MLP_S3_ENDPOINT", first.s3Endpoint())));
      Api api = new Api(first.httpPort());
      api.postJson("/api/models", new JsonObject().put("name", "clf"));
      api.upload("/api/models/clf/versions", Map.of("format", "onnx"), "m.onnx", TestModels.onnxClassifier(dir));
      Api.Response created = api.postJson("/api/deployments", new JsonObject().put("name", "spread").put("model", "clf")
          .put("replicas", 2));
      assertThat(created.status()).as(created.text()).isEqualTo(201);

      Set<String> nodesWanted = Set.of(first.nodeId(), second.nodeId());
      JsonObject spread = awaitReplicas(api, "spread", 2, nodes -> nodes.equals(nodesWanted));
      assertThat(spread.getString("status")).isEqualTo("ready");

      JsonObject request = new JsonObject().put("inputs", new JsonArray().add(new JsonArray().add(1).add(2).add(3).add(4)));
      // one at a time, the gateway's own node answers (no hop between nodes); under concurrent load the other
      // node's replica takes its share
      Set<String> servedBy = ConcurrentHashMap.newKeySet();
      for (int i = 0; i < 10; i++) {
        servedBy.add(servedBy(first, "/api/deployments/spread/predict", request.encode()).split("/")[0]);
      }
      assertThat(servedBy).containsExactly("replica@" + first.nodeId());
      List<Thread> clients = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        Thread client = new Thread(() -> {
          for (int i = 0; i < 30 && servedBy.size() < 2; i++) {
            try {
              servedBy.add(servedBy(first, "/api/deployments/spread/predict", request.encode()).split("/")[0]);
            } catch (Exception e) {
              servedBy.add("failed: " + e);
            }
          }
        });
        client.start();
        clients.add(client);
      }
      for (Thread client : clients) {
        client.join();
      }
      assertThat(servedBy).containsExactlyInAnyOrder("replica@" + first.nodeId(), "replica@" + second.nodeId());

      AtomicBoolean going = new AtomicBoolean(true);
      CopyOnWriteArrayList<String> failures = new CopyOnWriteArrayList<>();
      Thread load = new Thread(() -> {
        while (going.get()) {
          Api.Response response = api.postJson("/api/deployments/spread/predict", request);
          if (response.status() != 200) {
            failures.add(response.status() + " " + response.text());
          }
        }
      });
      load.start();
      second.close();
      second = null;
      JsonObject moved = awaitReplicas(api, "spread", 2, nodes -> nodes.equals(Set.of(first.nodeId())));
      going.set(false);
      load.join();
      assertThat(moved.getJsonArray("replica_status")).hasSize(2);
      // a node leaving gracefully withdraws from routing first and answers what was already routed to it
      assertThat(failures).isEmpty();
      for (int i = 0; i < 20; i++) {
        assertThat(api.postJson("/api/deployments/spread/predict", request).status()).isEqualTo(200);
      }
    } finally {
      if (second != null) {
        second.close();
      }
      first.close();
    }
  }

  private static JsonObject awaitReplicas(Api api, String name, int ready,
                                          java.util.function.Predicate<Set<String>> nodesOk) {
    return await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
        .until(() -> api.get("/api/deployments/" + name).json(), matching("replicas of " + name + " in place",
            deployment -> {
              Set<String> nodes = new HashSet<>();
              int count = 0;
              for (Object r : deployment.getJsonArray("replica_status")) {
                JsonObject replica = (JsonObject) r;
                if ("ready".equals(replica.getString("status"))) {
                  count++;
                  nodes.add(replica.getString("node"));
                }
              }
              return count == ready && nodesOk.test(nodes);
            }));
  }

  private static String servedBy(Node front, String path, String body) throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + front.httpPort() + path))
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return response.headers().firstValue("X-Served-By").orElse("");
  }
}
