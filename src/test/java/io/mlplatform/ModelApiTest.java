package io.mlplatform;

import io.mlplatform.support.Api;
import io.mlplatform.support.FromNode;
import io.mlplatform.support.ObjectListing;
import io.mlplatform.support.SharedNode;
import io.mlplatform.support.TestModels;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("fast")
@ExtendWith(SharedNode.class)
@DisplayName("Model registry through the HTTP API")
class ModelApiTest {
  @TempDir
  static Path dir;
  @FromNode static Node node;
  @FromNode static Api api;
  static byte[] onnx;

  @BeforeAll
  static void start() throws Exception {
    onnx = TestModels.onnxClassifier(dir);
  }

  @Test
  @DisplayName("a model is created, found, searched, changed and deleted; a taken name is a 409")
  void modelLifecycle() {
    Api.Response created = api.postJson("/api/models", new JsonObject().put("name", "registry-churn")
        .put("description", "Churn predictor").put("tags", new JsonObject().put("team", "growth")));
    assertThat(created.status()).isEqualTo(201);
    assertThat(created.json().getString("name")).isEqualTo("registry-churn");

    Api.Response again = api.postJson("/api/models", new JsonObject().put("name", "registry-churn"));
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.errorCode()).isEqualTo("conflict");

    api.postJson("/api/models", new JsonObject().put("name", "fraud").put("description", "card fraud"));
    JsonObject found = api.get("/api/models?search=REGISTRY-CHURN").json();
    assertThat(found.getLong("total")).isEqualTo(1);
    assertThat(found.getJsonArray("items").getJsonObject(0).getString("name")).isEqualTo("registry-churn");
    assertThat(api.get("/api/models?search=.*").json().getLong("total")).isZero();
    JsonObject page = api.get("/api/models?limit=1&offset=1").json();
    assertThat(page.getJsonArray("items")).hasSize(1);
    assertThat(page.getLong("total")).isGreaterThanOrEqualTo(2);

    Api.Response patched = api.patchJson("/api/models/registry-churn", new JsonObject().put("description", "v2"));
    assertThat(patched.status()).isEqualTo(200);
    assertThat(patched.json().getString("description")).isEqualTo("v2");
    assertThat(patched.json().getJsonObject("tags").getString("team")).isEqualTo("growth");

    assertThat(api.delete("/api/models/registry-churn").status()).isEqualTo(204);
    assertThat(api.get("/api/models/registry-churn").status()).isEqualTo(404);
    assertThat(api.delete("/api/models/registry-churn").status()).isEqualTo(404);
  }

  @Test
  @DisplayName("an ONNX version shows the signature read from the file, and its artifact comes back byte for byte")
  void onnxVersion() throws Exception {
    api.postJson("/api/models", new JsonObject().put("name", "classifier"));
    Api.Response version = api.upload("/api/models/classifier/versions",
        Map.of("format", "onnx", "description", "first", "params", "{\"epochs\": 5}", "metrics", "{\"auc\": 0.91}"),
        "classifier.onnx", onnx);
    assertThat(version.status()).as(version.text()).isEqualTo(201);
    JsonObject body = version.json();
    assertThat(body.getInteger("version")).isEqualTo(1);
    assertThat(body.getString("format")).isEqualTo("onnx");
    assertThat(body.getLong("size")).isEqualTo(onnx.length);
    assertThat(body.getString("sha256")).isEqualTo(sha256(onnx));
    assertThat(body.getJsonObject("metrics").getDouble("auc")).isEqualTo(0.91);
    assertThat(body.getJsonObject("params").getInteger("epochs")).isEqualTo(5);
    JsonObject input = body.getJsonObject("signature").getJsonArray("inputs").getJsonObject(0);
    assertThat(input.getString("name")).isEqualTo("input");
    assertThat(input.getString("type")).isEqualTo("float");
    assertThat(input.getJsonArray("shape")).isEqualTo(new JsonArray().add(-1).add(4));
    assertThat(body.getJsonObject("signature").getJsonArray("outputs")).isNotEmpty();

    Api.Response artifact = api.get("/api/models/classifier/versions/1/artifact");
    assertThat(artifact.status()).isEqualTo(200);
    assertThat(artifact.bytes()).isEqualTo(onnx);
    assertThat(api.get("/api/models/classifier").json().getInteger("latest_version")).isEqualTo(1);
  }

  @Test
  @DisplayName("a file that is not a model of its format is a 400 and leaves neither object nor version")
  void invalidArtifact() throws Exception {
    api.postJson("/api/models", new JsonObject().put("name", "broken"));
    int objectsBefore = ObjectListing.keys(node, "models").size();

    Api.Response notOnnx = api.upload("/api/models/broken/versions", Map.of("format", "onnx"), "m.onnx",
        "this is not a model".getBytes());
    assertThat(notOnnx.status()).isEqualTo(400);
    assertThat(notOnnx.errorMessage()).contains("not a valid ONNX model").doesNotContain("/tmp");
    Api.Response notPmml = api.upload("/api/models/broken/versions", Map.of("format", "pmml"), "m.pmml",
        "<html/>".getBytes());
    assertThat(notPmml.status()).isEqualTo(400);
    assertThat(notPmml.errorMessage()).contains("not a PMML document");
    Api.Response notSpark = api.upload("/api/models/broken/versions", Map.of("format", "spark"), "m.zip", onnx);
    assertThat(notSpark.status()).isEqualTo(400);
    Api.Response unknownFormat = api.upload("/api/models/broken/versions", Map.of("format", "pickle"), "m.pkl", onnx);
    assertThat(unknownFormat.status()).isEqualTo(400);
    assertThat(unknownFormat.errorMessage()).contains("format");
    Api.Response noModel = api.upload("/api/models/absent/versions", Map.of("format", "onnx"), "m.onnx", onnx);
    assertThat(noModel.status()).isEqualTo(404);

    assertThat(api.get("/api/models/broken/versions").json().getJsonArray("items")).isEmpty();
    assertThat(ObjectListing.keys(node, "models")).hasSize(objectsBefore);
  }

  @Test
  @DisplayName("PMML and LLM versions record their signatures; an alias names a version wherever a number does")
  void pmmlLlmAndAliases() {
    api.postJson("/api/models", new JsonObject().put("name", "pricing"));
    Api.Response pmml = api.upload("/api/models/pricing/versions", Map.of("format", "pmml"), "price.pmml",
        TestModels.pmmlRegression());
    assertThat(pmml.status()).as(pmml.text()).isEqualTo(201);
    JsonObject signature = pmml.json().getJsonObject("signature");
    assertThat(signature.getJsonArray("inputs").stream().map(i -> ((JsonObject) i).getString("name")))
        .containsExactly("x1", "x2");
    assertThat(signature.getJsonArray("outputs").getJsonObject(0).getString("name")).isEqualTo("y");

    Api.Response llm = api.postJson("/api/models/pricing/versions", new JsonObject().put("format", "llm")
        .put("model", "llama-3.1-8b-instant").put("parameters", new JsonObject().put("temperature", 0.2)));
    assertThat(llm.status()).as(llm.text()).isEqualTo(201);
    assertThat(llm.json().getInteger("version")).isEqualTo(2);
    assertThat(llm.json().getJsonObject("llm").getString("provider")).isEqualTo("groq");
    assertThat(api.get("/api/models/pricing/versions/2/artifact").status()).isEqualTo(404);

    Api.Response alias = api.putJson("/api/models/pricing/aliases/champion", new JsonObject().put("version", 1));
    assertThat(alias.status()).isEqualTo(200);
    assertThat(alias.json().getJsonObject("aliases").getInteger("champion")).isEqualTo(1);
    JsonObject champion = api.get("/api/models/pricing/versions/champion").json();
    assertThat(champion.getInteger("version")).isEqualTo(1);
    assertThat(champion.getJsonArray("aliases")).containsExactly("champion");
    assertThat(api.get("/api/models/pricing/versions/champion/artifact").bytes()).isEqualTo(TestModels.pmmlRegression());

    api.putJson("/api/models/pricing/aliases/champion", new JsonObject().put("version", 2));
    assertThat(api.get("/api/models/pricing/versions/champion").json().getInteger("version")).isEqualTo(2);
    assertThat(api.putJson("/api/models/pricing/aliases/champion", new JsonObject().put("version", 9)).status())
        .isEqualTo(404);
    assertThat(api.putJson("/api/models/pricing/aliases/7", new JsonObject().put("version", 1)).status())
        .isEqualTo(400);
    assertThat(api.delete("/api/models/pricing/aliases/champion").status()).isEqualTo(204);
    assertThat(api.get("/api/models/pricing/versions/champion").status()).isEqualTo(404);
    assertThat(api.delete("/api/models/pricing/aliases/champion").status()).isEqualTo(404);
  }

  @Test
  @DisplayName("versions uploaded at the same time get gapless, unique numbers")
  void racingUploads() throws Exception {
    api.postJson("/api/models", new JsonObject().put("name", "raced"));
    int uploads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(uploads);
    try {
      List<Future<Api.Response>> responses = new ArrayList<>();
      for (int i = 0; i < uploads; i++) {
        responses.add(pool.submit(() -> api.upload("/api/models/raced/versions", Map.of("format", "onnx"),
            "m.onnx", onnx)));
      }
      List<Integer> numbers = new ArrayList<>();
      for (Future<Api.Response> response : responses) {
        assertThat(response.get().status()).as(response.get().text()).isEqualTo(201);
        numbers.add(response.get().json().getInteger("version"));
      }
      assertThat(numbers).containsExactlyInAnyOrder(1, 2, 3, 4, 5, 6, 7, 8);
    } finally {
      pool.shutdownNow();
    }
    assertThat(api.get("/api/models/raced/versions").json().getJsonArray("items")).hasSize(uploads);
  }

  @Test
  @DisplayName("deleting a model removes its versions' artifacts from the object store")
  void deleteRemovesArtifacts() throws Exception {
    api.postJson("/api/models", new JsonObject().put("name", "doomed"));
    JsonObject version = api.upload("/api/models/doomed/versions", Map.of("format", "onnx"), "m.onnx", onnx).json();
    String key = version.getJsonObject("artifact").getString("key");
    assertThat(ObjectListing.keys(node, "models")).contains(key);
    assertThat(api.delete("/api/models/doomed").status()).isEqualTo(204);
    assertThat(ObjectListing.keys(node, "models")).doesNotContain(key);
  }

  static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
