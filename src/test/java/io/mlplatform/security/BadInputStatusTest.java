package io.mlplatform.security;

import io.mlplatform.Node;
import io.mlplatform.support.Api;
import io.mlplatform.support.FromNode;
import io.mlplatform.support.ObjectListing;
import io.mlplatform.support.SharedNode;
import io.mlplatform.support.TestModels;
import io.mlplatform.support.TestNodes;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;

@Tag("fast")
@ExtendWith(SharedNode.class)
@DisplayName("The bad inputs of issue 12 get a 4xx naming what is wrong, never a 500 or a silent success")
class BadInputStatusTest {
  @TempDir
  static Path dir;
  @FromNode static Node node;
  @FromNode static Api api;

  @BeforeAll
  static void start() throws Exception {
    api.postJson("/api/models", new JsonObject().put("name", "status-clf"));
    assertThat(api.upload("/api/models/status-clf/versions", Map.of("format", "onnx"), "m.onnx",
        TestModels.onnxClassifier(dir)).status()).isEqualTo(201);
    assertThat(api.postJson("/api/deployments", new JsonObject().put("name", "status-clf").put("model", "status-clf")).status())
        .isEqualTo(201);
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
        .until(() -> api.get("/v2/models/status-clf/ready").status(), is(200));
  }

  @Test
  @DisplayName("an empty body on predict and infer is a 400")
  void emptyPredictionBodies() {
    for (String path : new String[]{"/api/deployments/status-clf/predict", "/v2/models/status-clf/infer", "/v2/models/status-clf/versions/1/infer"}) {
      Api.Response empty = api.send("POST", path, "application/json", new byte[0]);
      assertThat(empty.status()).as(path + " " + empty.text()).isEqualTo(400);
      assertThat(empty.text()).contains("JSON");
    }
  }

  private static JsonObject infer(Object shape, JsonArray data) {
    return new JsonObject().put("inputs", new JsonArray().add(new JsonObject().put("name", "input")
        .put("datatype", "FP32").put("shape", shape).put("data", data)));
  }

  @Test
  @DisplayName("a V2 shape that is not an array of integers, and values beyond FP32, are 400s naming the tensor")
  void badTensors() {
    JsonArray four = new JsonArray().add(0.5).add(1.2).add(3.4).add(0.1);
    for (Object shape : new Object[]{"1,4", new JsonObject(), new JsonArray().add("1").add(4), new JsonArray().add(1.5).add(4)}) {
      Api.Response response = api.postJson("/v2/models/status-clf/infer", infer(shape, four));
      assertThat(response.status()).as(shape + " " + response.text()).isEqualTo(400);
      assertThat(response.text()).contains("shape");
    }
    Api.Response huge = api.postJson("/v2/models/status-clf/infer", infer(new JsonArray().add(1).add(4),
        new JsonArray().add(1e39).add(1.0).add(1.0).add(1.0)));
    assertThat(huge.status()).as(huge.text()).isEqualTo(400);
    assertThat(huge.text()).contains("FP32");
    Api.Response platform = api.postJson("/api/deployments/status-clf/predict", new JsonObject().put("inputs",
        new JsonArray().add(new JsonArray().add(-1e300).add(1.0).add(1.0).add(1.0))));
    assertThat(platform.status()).as(platform.text()).isEqualTo(400);
    assertThat(api.postJson("/v2/models/status-clf/infer", infer(new JsonArray().add(1).add(4), four)).status())
        .isEqualTo(200);
  }

  @Test
  @DisplayName("two files in one upload, and a dataset format that is not one, are refused and store nothing")
  void uploads() throws Exception {
    int objectsBefore = ObjectListing.keys(node, "datasets").size();
    Api.Multipart form = new Api.Multipart().field("name", "twice")
        .file("file", "a.csv", "a,b\n1,2\n".getBytes(StandardCharsets.UTF_8))
        .file("file", "b.csv", "c,d\n3,4\n".getBytes(StandardCharsets.UTF_8));
    Api.Response twice = api.send("POST", "/api/datasets", form.contentType(), form.publisher());
    assertThat(twice.status()).as(twice.text()).isEqualTo(400);
    assertThat(twice.errorMessage()).contains("one file");
    assertThat(api.get("/api/datasets/twice").status()).isEqualTo(404);
    Api.Response xml = api.upload("/api/datasets", Map.of("name", "xml", "format", "xml"), "d.xml",
        "<rows><row a=\"1\"/></rows>".getBytes(StandardCharsets.UTF_8));
    assertThat(xml.status()).as(xml.text()).isEqualTo(400);
    assertThat(xml.errorMessage()).contains("format");
    assertThat(api.get("/api/datasets/xml").status()).isEqualTo(404);
    assertThat(ObjectListing.keys(node, "datasets")).hasSize(objectsBefore);
  }

  @Test
  @DisplayName("an input_schema that is no JSON schema is a 400")
  void inputSchema() {
    Api.Response nope = api.postJson("/api/workflows", new JsonObject().put("name", "w")
        .put("input_schema", new JsonObject().put("type", "nope"))
        .put("steps", new JsonArray().add(new JsonObject().put("id", "g").put("kind", "gate").put("condition", "${true}"))));
    assertThat(nope.status()).as(nope.text()).isEqualTo(400);
    assertThat(nope.errorMessage()).contains("input_schema");
    Api.Response nested = api.postJson("/api/workflows", new JsonObject().put("name", "w")
        .put("input_schema", new JsonObject().put("type", "object").put("properties",
            new JsonObject().put("x", new JsonObject().put("type", new JsonArray().add("string").add("texte")))))
        .put("steps", new JsonArray().add(new JsonObject().put("id", "g").put("kind", "gate").put("condition", "${true}"))));
    assertThat(nested.status()).as(nested.text()).isEqualTo(400);
  }

  @Test
  @DisplayName("on a node requiring keys, a call without one is 401 even when its body is malformed")
  void unauthenticatedFirst() throws Exception {
    Node closed = TestNodes.start(dir.resolve("closed"), Map.of("MLP_AUTH_REQUIRED", "true",
        "MLP_ADMIN_KEY", "closed-admin-key"));
    try {
      Api anonymous = new Api(closed.httpPort());
      Api.Response malformed = anonymous.sendJson("POST", "/api/models", "{\"name\": ");
      assertThat(malformed.status()).as(malformed.text()).isEqualTo(401);
      Api.Response invalid = anonymous.postJson("/api/models", new JsonObject().put("name", 42));
      assertThat(invalid.status()).isEqualTo(401);
      assertThat(anonymous.withKey("closed-admin-key").sendJson("POST", "/api/models", "{\"name\": ").status())
          .isEqualTo(400);
    } finally {
      closed.close();
    }
  }

  @Test
  @DisplayName("'..' as a version is not the model")
  void dotDotVersion() {
    for (String path : new String[]{"/api/models/status-clf/versions/..", "/api/models/status-clf/versions/%2e%2e",
        "/api/models/status-clf/versions/."}) {
      Api.Response response = api.get(path);
      assertThat(response.status()).as(path + " " + response.text()).isIn(400, 404);
    }
  }
}
