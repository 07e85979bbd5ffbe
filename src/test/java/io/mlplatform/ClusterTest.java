package io.mlplatform;

import io.mlplatform.support.Api;
import io.mlplatform.support.TestModels;
import io.mlplatform.support.TestNodes;
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
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;

@Tag("slow")
@DisplayName("Clustered nodes serve the API together")
class ClusterTest {
  @TempDir
  Path dir;

  @Test
  @DisplayName("a gateway+hub node and model+data nodes share one API; same-role nodes share the load")
  void gatewayAndServersOnDifferentNodes() throws Exception {
    TestNodes.Cluster cluster = TestNodes.cluster(3);
    Node front = TestNodes.start(dir.resolve("front"), cluster.node(0, "gateway,hub", Map.of()));
    Node servers = null;
    Node more = null;
    try {
      Map<String, String> sharedStores = Map.of("MLP_MONGO_URI", front.mongoUri(), "MLP_S3_ENDPOINT", front.s3Endpoint());
      servers = TestNodes.start(dir.resolve("servers"), cluster.node(1, "model,data", sharedStores));
      Api api = new Api(front.httpPort());
      waitUntilServed(api, "/api/models");

      JsonObject ready = api.get("/ready").json();
      assertThat(ready.getString("status")).isEqualTo("ready");
      assertThat(ready.getBoolean("clustered")).isTrue();

      assertThat(api.postJson("/api/models", new JsonObject().put("name", "shared")).status()).isEqualTo(201);
      Api.Response version = api.upload("/api/models/shared/versions", Map.of("format", "onnx"), "m.onnx",
          TestModels.onnxClassifier(dir));
      assertThat(version.status()).as(version.text()).isEqualTo(201);
      assertThat(version.json().getJsonObject("signature").getJsonArray("inputs")).hasSize(1);
      Api.Response dataset = api.upload("/api/datasets", Map.of("name", "table"), "t.csv", "a,b\n1,2\n".getBytes());
      assertThat(dataset.status()).as(dataset.text()).isEqualTo(201);
      assertThat(servedBy(front, "/api/models/shared")).startsWith("model-server@" + servers.nodeId());

      more = TestNodes.start(dir.resolve("more"), cluster.node(2, "model", sharedStores));
      Set<String> servingNodes = new HashSet<>();
      await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(10)).until(() -> {
        servingNodes.add(servedBy(front, "/api/models/shared"));
        return servingNodes.size() >= 2;
      });
      assertThat(servingNodes).containsExactlyInAnyOrder("model-server@" + servers.nodeId(), "model-server@" + more.nodeId());

      // both model servers cache the model: a change through one is seen through the other (evicted by event)
      assertThat(api.patchJson("/api/models/shared", new JsonObject().put("description", "changed")).status())
          .isEqualTo(200);
      long seenBy = System.currentTimeMillis() + 2000;
      Set<String> described = new HashSet<>();
      for (int i = 0; i < 20; i++) {
        JsonObject model = api.get("/api/models/shared").json();
        if (!"changed".equals(model.getString("description"))) {
          assertThat(System.currentTimeMillis()).as("a stale cached model outlives the change").isLessThan(seenBy);
          i--;
          continue;
        }
        described.add(model.getString("description"));
      }
      assertThat(described).containsExactly("changed");

      servers.close();
      servers = null;
      for (int i = 0; i < 10; i++) {
        assertThat(api.get("/api/models/shared").status()).isEqualTo(200);
      }
      assertThat(servedBy(front, "/api/models/shared")).startsWith("model-server@" + more.nodeId());
      Api.Response noDataServer = api.get("/api/datasets/table");
      assertThat(noDataServer.status()).isEqualTo(503);
      assertThat(noDataServer.errorCode()).isEqualTo("unavailable");
    } finally {
      for (Node node : new Node[]{more, servers, front}) {
        if (node != null) {
          node.close();
        }
      }
    }
  }

  private static void waitUntilServed(Api api, String path) {
    await(path + " served").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
        .until(() -> api.get(path).status(), is(200));
  }

  private static String servedBy(Node front, String path) throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + front.httpPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return response.headers().firstValue("X-Served-By").orElse("");
  }
}
