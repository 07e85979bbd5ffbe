package io.mlplatform;

import io.mlplatform.node.Settings;
import io.mlplatform.storage.embedded.EmbeddedMongo;
import io.mlplatform.storage.embedded.EmbeddedS3;
import io.mlplatform.support.Api;
import io.mlplatform.support.TestModels;
import io.mlplatform.support.TestNodes;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.mlplatform.support.Waits.matching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;

@Tag("slow")
@DisplayName("One role per node, started in any order, serves the whole API")
class SplitRolesTest {
  @TempDir
  Path dir;
  private final TestNodes.Cluster cluster = TestNodes.cluster(5);

  @Test
  @DisplayName("a gateway started first on empty stores is not ready until a hub is up; then model, data and execution nodes join and a deployment serves")
  void gatewayFirstThenEachRole() throws Exception {
    Settings defaults = Settings.of(Map.of());
    List<Node> nodes = new ArrayList<>();
    try (EmbeddedMongo mongo = EmbeddedMongo.start(dir.resolve("mongo"), 0);
         EmbeddedS3 s3 = EmbeddedS3.start(dir.resolve("s3"), 0, defaults.s3AccessKey(), defaults.s3SecretKey())) {
      Map<String, String> stores = Map.of("MLP_MONGO_URI", mongo.connectionString(), "MLP_S3_ENDPOINT", s3.endpoint(),
          "MLP_CLUSTER_EXPECTED", "1");
      Node gateway = start(nodes, "gateway", 0, stores);
      Api api = new Api(gateway.httpPort());
      // the stores answer and hold the platform's buckets (this gateway made them): only the hub is missing
      Api.Response alone = api.get("/ready");
      assertThat(alone.status()).as(alone.text()).isEqualTo(503);
      JsonObject checks = alone.json().getJsonObject("checks");
      assertThat(checks.getBoolean("hub")).isFalse();
      assertThat(checks.getBoolean("s3")).isTrue();
      assertThat(checks.getBoolean("mongo")).isTrue();

      Node hub = start(nodes, "hub", 1, stores);
      awaitReady(api);
      Api hubStatus = new Api(hub.httpPort());
      Api.Response hubReady = hubStatus.get("/ready");
      assertThat(hubReady.status()).as(hubReady.text()).isEqualTo(200);
      assertThat(hubReady.json().getJsonObject("checks").containsKey("s3")).as("a hub uses no object store").isFalse();
      assertThat(hubStatus.get("/api/models").status()).as("a hub node serves no API").isEqualTo(404);
      // no model server yet: a clear 503, not a hang
      Api.Response noServer = api.get("/api/models");
      assertThat(noServer.status()).as(noServer.text()).isEqualTo(503);

      start(nodes, "execution", 2, stores);
      start(nodes, "model", 3, stores);
      start(nodes, "data", 4, stores);
      awaitStatus(api, "/api/models", 200);
      JsonObject serving = api.get("/ready").json().getJsonObject("serving");
      assertThat(serving.getInteger("model")).isEqualTo(1);
      assertThat(serving.getInteger("execution")).isEqualTo(1);

      assertThat(api.postJson("/api/models", new JsonObject().put("name", "clf")).status()).isEqualTo(201);
      Api.Response version = api.upload("/api/models/clf/versions", Map.of("format", "onnx"), "m.onnx",
          TestModels.onnxClassifier(dir));
      assertThat(version.status()).as(version.text()).isEqualTo(201);
      Api.Response dataset = api.upload("/api/datasets", Map.of("name", "table"), "t.csv",
          "a,b,label\n1,2,x\n3,,y\n".getBytes());
      assertThat(dataset.status()).as(dataset.text()).isEqualTo(201);
      assertThat(api.get("/api/datasets/table/versions/1/preview").json().getJsonArray("rows")).hasSize(2);
      Api.Response created = api.postJson("/api/deployments", new JsonObject().put("name", "split").put("model", "clf"));
      assertThat(created.status()).as(created.text()).isEqualTo(201);
      JsonObject request = new JsonObject().put("inputs", new JsonArray().add(new JsonArray().add(1).add(2).add(3).add(4)));
      Api.Response predicted = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
          .until(() -> api.postJson("/api/deployments/split/predict", request),
              matching("a prediction served", response -> response.status() == 200));
      assertThat(predicted.json().getJsonArray("outputs")).isNotEmpty();
    } finally {
      for (int i = nodes.size() - 1; i >= 0; i--) {
        nodes.get(i).close();
      }
    }
  }

  /** Starts the cluster's node number {@code index} with these roles. */
  private Node start(List<Node> nodes, String roles, int index, Map<String, String> stores) throws Exception {
    Map<String, String> settings = new HashMap<>(stores);
    settings.put("MLP_REQUEST_TIMEOUT_MS", "5000");
    Node node = TestNodes.start(dir.resolve(roles), cluster.node(index, roles, settings));
    nodes.add(node);
    return node;
  }

  private static void awaitReady(Api api) {
    awaitStatus(api, "/ready", 200);
  }

  private static void awaitStatus(Api api, String path, int status) {
    await(path + " answers " + status).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
        .until(() -> api.get(path).status(), is(status));
  }
}
