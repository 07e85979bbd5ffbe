package io.mlplatform;

import io.mlplatform.support.Api;
import io.mlplatform.support.Bridge;
import io.mlplatform.support.FromNode;
import io.mlplatform.support.SharedNode;
import io.mlplatform.support.TestModels;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;

@Tag("fast")
@ExtendWith(SharedNode.class)
@DisplayName("The web console's server side: the locked-down event bridge and the request metrics")
class ConsoleBackendTest {
  @TempDir
  static Path dir;
  @FromNode static Node node;
  @FromNode static Api api;

  @Test
  @DisplayName("a browser receives events as JSON envelopes, and may neither send, publish nor listen to anything else")
  void bridge() throws Exception {
    try (Bridge bridge = new Bridge(node.httpPort())) {
      bridge.send(new JsonObject().put("type", "register").put("address", "mcp.events.models"));
      // registration has no acknowledgement: create models until one's event arrives
      JsonObject received = null;
      for (int i = 0; i < 20 && received == null; i++) {
        assertThat(api.postJson("/api/models", new JsonObject().put("name", "bridged-" + i)).status()).isEqualTo(201);
        received = bridge.next(500);
      }
      assertThat(received).as("an event from mcp.events.models").isNotNull();
      assertThat(received.getString("type")).isEqualTo("rec");
      assertThat(received.getString("address")).isEqualTo("mcp.events.models");
      JsonObject envelope = received.getJsonObject("body");
      assertThat(envelope.getString("mcp_version")).isEqualTo("1.0");
      assertThat(envelope.getString("message_type")).isEqualTo("event");
      assertThat(envelope.getString("operation")).isEqualTo("model.changed");
      assertThat(envelope.getJsonObject("payload").getString("name")).startsWith("bridged-");
      while (bridge.next(300) != null) {
        // the other models' events
      }

      JsonObject request = new JsonObject().put("mcp_version", "1.0").put("message_id", "m-1")
          .put("operation", "model.delete").put("payload", new JsonObject().put("name", "bridged-0"));
      for (JsonObject refused : new JsonObject[]{
          new JsonObject().put("type", "send").put("address", "mcp.hub").put("body", request).put("replyAddress", "r-1"),
          new JsonObject().put("type", "publish").put("address", "mcp.hub").put("body", request),
          new JsonObject().put("type", "send").put("address", "mcp.server.model").put("body", request),
          new JsonObject().put("type", "publish").put("address", "mcp.events.models").put("body", request),
          new JsonObject().put("type", "register").put("address", "mcp.hub"),
          new JsonObject().put("type", "register").put("address", "mcp.deployment.any")}) {
        bridge.send(refused);
        JsonObject answer = bridge.next(5000);
        assertThat(answer).as("an answer to " + refused.encode()).isNotNull();
        assertThat(answer.getString("type")).as(refused.encode()).isEqualTo("err");
        assertThat(answer.getString("body")).as(refused.encode()).isEqualTo("access_denied");
      }
      assertThat(api.get("/api/models/bridged-0").status()).isEqualTo(200);
    }

    // a page of another site is closed out at once; one of the platform's own origin is let in
    try (Bridge foreign = new Bridge(node.httpPort(), "http://elsewhere.example")) {
      assertThat(foreign.closedWith(5_000)).isNotNull();
    }
    try (Bridge own = new Bridge(node.httpPort(), "http://127.0.0.1:" + node.httpPort())) {
      own.send(new JsonObject().put("type", "register").put("address", "mcp.hub"));
      assertThat(own.next(5000).getString("body")).isEqualTo("access_denied");
    }
  }

  @Test
  @DisplayName("the last minute's API requests: counts, refusals and latency percentiles, per node and per deployment")
  void metrics() throws Exception {
    for (int i = 0; i < 5; i++) {
      assertThat(api.get("/api/datasets").status()).isEqualTo(200);
    }
    assertThat(api.get("/api/models/no-such-model").status()).isEqualTo(404);
    JsonObject all = api.get("/api/metrics").json();
    assertThat(all.getInteger("window_seconds")).isEqualTo(60);
    assertThat(all.getString("node")).isEqualTo(node.nodeId());
    assertThat(all.getJsonArray("seconds")).hasSize(60);
    JsonObject summary = all.getJsonObject("summary");
    assertThat(summary.getLong("requests")).isGreaterThanOrEqualTo(6);
    assertThat(summary.getLong("refused")).isGreaterThanOrEqualTo(1);
    assertThat(summary.getDouble("p50_ms")).isPositive();
    assertThat(summary.getDouble("p99_ms")).isGreaterThanOrEqualTo(summary.getDouble("p50_ms"));
    long lastSeconds = all.getJsonArray("seconds").stream().map(JsonObject.class::cast)
        .skip(55).mapToLong(second -> second.getLong("requests")).sum();
    assertThat(lastSeconds).isGreaterThanOrEqualTo(6);

    api.postJson("/api/models", new JsonObject().put("name", "metered"));
    assertThat(api.upload("/api/models/metered/versions", Map.of("format", "onnx"), "m.onnx",
        TestModels.onnxClassifier(dir)).status()).isEqualTo(201);
    assertThat(api.postJson("/api/deployments", new JsonObject().put("name", "metered-prod").put("model", "metered"))
        .status()).isEqualTo(201);
    JsonObject rows = new JsonObject().put("inputs", new JsonArray().add(new JsonArray().add(1).add(2).add(3).add(4)));
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
        .until(() -> api.postJson("/api/deployments/metered-prod/predict", rows).status(), is(200));
    for (int i = 0; i < 3; i++) {
      assertThat(api.postJson("/v2/models/metered-prod/infer", new JsonObject().put("inputs", new JsonArray()
          .add(new JsonObject().put("name", "input").put("datatype", "FP32").put("shape", new JsonArray().add(1).add(4))
              .put("data", new JsonArray().add(1).add(2).add(3).add(4))))).status()).isEqualTo(200);
    }
    JsonObject deployment = api.get("/api/metrics?deployment=metered-prod").json();
    assertThat(deployment.getString("deployment")).isEqualTo("metered-prod");
    assertThat(deployment.getJsonObject("summary").getLong("requests")).isGreaterThanOrEqualTo(4);
    assertThat(api.get("/api/metrics?deployment=nothing-here").json().getJsonObject("summary").getLong("requests"))
        .isZero();
    Api.Response bad = api.get("/api/metrics?deployment=a..b");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.errorMessage()).contains("deployment");
  }
}
