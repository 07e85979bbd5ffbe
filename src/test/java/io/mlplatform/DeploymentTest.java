package io.mlplatform;

import io.minio.MinioClient;
import io.minio.RemoveObjectArgs;
import io.mlplatform.support.Api;
import io.mlplatform.support.FakeChatServer;
import io.mlplatform.support.FromNode;
import io.mlplatform.support.Prometheus;
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

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static io.mlplatform.support.Waits.matching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;

@Tag("fast")
@ExtendWith(SharedNode.class)
@DisplayName("Deployments serve predictions on the platform's route and the Open Inference Protocol")
class DeploymentTest {
  @TempDir
  static Path dir;
  @FromNode static Node node;
  @FromNode static Api api;
  static TestModels.Classifier first;
  static TestModels.Classifier second;

  @BeforeAll
  static void start() throws Exception {
    first = TestModels.classifier(dir, 7);
    second = TestModels.classifier(dir, 8);
    api.postJson("/api/models", new JsonObject().put("name", "clf"));
    assertThat(api.upload("/api/models/clf/versions", Map.of("format", "onnx"), "v1.onnx", first.onnx()).status()).isEqualTo(201);
    assertThat(api.upload("/api/models/clf/versions", Map.of("format", "onnx"), "v2.onnx", second.onnx()).status()).isEqualTo(201);
  }

  @Test
  @DisplayName("V2 binary tensor data: inputs read from after the JSON, outputs asked as binary written there, the same"
      + " values as JSON gives; a body whose sizes disagree is a 400 naming them")
  void binaryTensors() throws Exception {
    // shadowed by its own version: the shadow's answers compare as the same, binary outputs or not
    assertThat(api.postJson("/api/deployments", new JsonObject().put("name", "clf-bin").put("model", "clf")
        .put("version", 1).put("shadow", new JsonObject().put("version", 1))).status()).isEqualTo(201);
    awaitReady("clf-bin", 2);
    float[] values = {0.5f, -1.2f, 0.3f, 2.0f, -0.7f, 0.1f, 1.5f, -0.4f, 0.25f, 0.75f, -2.5f, 1e-3f};
    JsonObject asJson = new JsonObject().put("inputs", new JsonArray().add(new JsonObject().put("name", "input")
        .put("datatype", "FP32").put("shape", new JsonArray().add(3).add(4)).put("data", jsonRow(values))));
    JsonObject answered = api.postJson("/v2/models/clf-bin/infer", asJson).json();
    JsonObject expected = answered.getJsonArray("outputs").getJsonObject(0);
    java.nio.ByteBuffer input = java.nio.ByteBuffer.allocate(48).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    for (float value : values) {
      input.putFloat(value);
    }
    JsonObject head = new JsonObject().put("id", "b-1").put("inputs", new JsonArray().add(new JsonObject()
        .put("name", "input").put("datatype", "FP32").put("shape", new JsonArray().add(3).add(4))
        .put("parameters", new JsonObject().put("binary_data_size", 48))));

    // binary in, JSON out: the answer JSON gives
    Api.Response jsonOut = api.postTensors("/v2/models/clf-bin/infer", head, input.array());
    assertThat(jsonOut.status()).as(jsonOut.text()).isEqualTo(200);
    assertThat(jsonOut.contentType()).startsWith("application/json");
    assertThat(jsonOut.json().getJsonArray("outputs").getJsonObject(0)).isEqualTo(expected);

    // binary in and out (every output, or the one named): the same floats, bit for bit, after the answer's JSON
    for (JsonObject asked : List.of(head.copy().put("parameters", new JsonObject().put("binary_data_output", true)),
        head.copy().put("outputs", new JsonArray().add(new JsonObject().put("name", "output")
            .put("parameters", new JsonObject().put("binary_data", true)))))) {
      Api.Response binary = api.postTensors("/v2/models/clf-bin/infer", asked, input.array());
      assertThat(binary.status()).as(binary.text()).isEqualTo(200);
      assertThat(binary.contentType()).isEqualTo("application/octet-stream");
      int jsonLength = Integer.parseInt(binary.header("Inference-Header-Content-Length"));
      JsonObject answer = new JsonObject(io.vertx.core.buffer.Buffer.buffer(binary.bytes()).getBuffer(0, jsonLength));
      assertThat(answer.getString("id")).isEqualTo("b-1");
      JsonObject output = answer.getJsonArray("outputs").getJsonObject(0);
      assertThat(output.containsKey("data")).isFalse();
      assertThat(output.getJsonArray("shape")).isEqualTo(new JsonArray().add(3).add(2));
      assertThat(output.getJsonObject("parameters").getInteger("binary_data_size")).isEqualTo(24);
      assertThat(binary.bytes()).hasSize(jsonLength + 24);
      java.nio.ByteBuffer data = java.nio.ByteBuffer.wrap(binary.bytes(), jsonLength, 24)
          .order(java.nio.ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < 6; i++) {
        assertThat(data.getFloat()).isEqualTo(expected.getJsonArray("data").getDouble(i).floatValue());
      }
    }
    // a JSON request may ask for binary outputs too
    Api.Response fromJson = api.postJson("/v2/models/clf-bin/infer", asJson.copy()
        .put("parameters", new JsonObject().put("binary_data_output", true)));
    assertThat(fromJson.status()).isEqualTo(200);
    assertThat(fromJson.header("Inference-Header-Content-Length")).isNotNull();
    String[] shadowed = {"deployment", "clf-bin"};
    Prometheus compared = await("5 shadow comparisons").atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(100)).until(DeploymentTest::scrape,
            metrics -> metrics.sum("mlplatform_shadow_predictions_total", shadowed) >= 5);
    assertThat(compared.sum("mlplatform_shadow_predictions_total", "deployment", "clf-bin", "outcome", "same"))
        .as(compared.text()).isEqualTo(5);

    // sizes that disagree, and the header where it has no place
    byte[] bytes = input.array();
    Map<String, Api.Response> refused = new java.util.LinkedHashMap<>();
    refused.put("takes 48 bytes, not 44", api.postTensors("/v2/models/clf-bin/infer", head.copy().put("inputs",
        new JsonArray().add(head.getJsonArray("inputs").getJsonObject(0).copy()
            .put("parameters", new JsonObject().put("binary_data_size", 44)))), java.util.Arrays.copyOf(bytes, 44)));
    refused.put("48 bytes, but the body holds 40", api.postTensors("/v2/models/clf-bin/infer", head,
        java.util.Arrays.copyOf(bytes, 40)));
    refused.put("8 bytes after the JSON", api.postTensors("/v2/models/clf-bin/infer", head,
        java.util.Arrays.copyOf(bytes, 56)));
    refused.put("either data or binary_data_size", api.postTensors("/v2/models/clf-bin/infer", head.copy()
        .put("inputs", new JsonArray().add(head.getJsonArray("inputs").getJsonObject(0).copy()
            .put("data", jsonRow(values)))), bytes));
    refused.put("is for the V2 infer routes", api.postTensors("/api/deployments/clf-bin/predict",
        new JsonObject().put("inputs", new JsonArray()), bytes));
    refused.put("(100) is more than the body's 2 bytes", api.postJson("/v2/models/clf-bin/infer", "{}",
        "Inference-Header-Content-Length", "100"));
    refused.put("must be the number of bytes of the body's JSON (got 'two')", api.postJson("/v2/models/clf-bin/infer",
        "{}", "Inference-Header-Content-Length", "two"));
    refused.forEach((message, response) -> {
      assertThat(response.status()).as(message + ": " + response.text()).isEqualTo(400);
      assertThat(response.text()).as(message).contains(message);
    });
  }

  @Test
  @DisplayName("a tensor whose shape claims millions of values while its data holds a few is refused before memory is"
      + " taken for them, as JSON and as binary data")
  void claimedShapeTakesNoMemory() {
    assertThat(api.postJson("/api/deployments", new JsonObject().put("name", "clf-claims").put("model", "clf")
        .put("version", 1)).status()).isEqualTo(201);
    awaitReady("clf-claims", 1);
    JsonArray shape = new JsonArray().add(10_000_000).add(4);
    JsonObject json = new JsonObject().put("inputs", new JsonArray().add(new JsonObject().put("name", "input")
        .put("datatype", "FP64").put("shape", shape).put("data", new JsonArray().add(1.5))));
    JsonObject binary = new JsonObject().put("inputs", new JsonArray().add(new JsonObject().put("name", "input")
        .put("datatype", "BYTES").put("shape", shape).put("parameters", new JsonObject().put("binary_data_size", 8))));
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean)
        java.lang.management.ManagementFactory.getThreadMXBean();
    long before = allocated(threads);
    for (int i = 0; i < 4; i++) {
      Api.Response refused = api.postJson("/v2/models/clf-claims/infer", json);
      assertThat(refused.status()).as(refused.text()).isEqualTo(400);
      assertThat(refused.text()).contains("needs 40000000 values, got 1");
      refused = api.postTensors("/v2/models/clf-claims/infer", binary, new byte[] {4, 0, 0, 0, 'a', 'b', 'c', 'd'});
      assertThat(refused.status()).as(refused.text()).isEqualTo(400);
      assertThat(refused.text()).contains("takes at least 160000000 bytes");
    }
    // each refusal would have made an array of 40 million values (320 MB of doubles, 160 MB of references)
    assertThat(allocated(threads) - before).as("bytes allocated by the node and the test meanwhile")
        .isLessThan(200L << 20);
  }

  /** Bytes allocated so far by the threads of this JVM (the test's node runs in it). */
  private static long allocated(com.sun.management.ThreadMXBean threads) {
    long total = 0;
    for (long allocated : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
      total += Math.max(0, allocated);
    }
    return total;
  }

  @Test
  @DisplayName("a replica's report is written when its status changes, not at every pass of the reconciler")
  void reportsWrittenOnChange() throws Exception {
    assertThat(api.postJson("/api/deployments", new JsonObject().put("name", "clf-quiet").put("model", "clf")
        .put("version", 1)).status()).isEqualTo(201);
    JsonObject ready = awaitReady("clf-quiet", 1);
    String written = ready.getJsonArray("replica_status").getJsonObject(0).getString("updated_at");
    // three passes later (one a second), unchanged: not written again
    Thread.sleep(3_000);
    JsonObject later = api.get("/api/deployments/clf-quiet").json();
    assertThat(later.getJsonArray("replica_status")).hasSize(1);
    assertThat(later.getJsonArray("replica_status").getJsonObject(0).getString("updated_at")).isEqualTo(written);
    // a change is reported at once
    assertThat(api.patchJson("/api/deployments/clf-quiet", new JsonObject().put("replicas", 2)).status())
        .isEqualTo(200);
    assertThat(awaitReady("clf-quiet", 2).getJsonArray("replica_status")).hasSize(2);
  }

  @Test
  @DisplayName("an ONNX deployment with two replicas answers both routes with the model's own outputs")
  void onnxOnBothRoutes() throws Exception {
    Api.Response created = api.postJson("/api/deployments", new JsonObject().put("name", "clf-a").put("model", "clf")
        .put("version", 1).put("replicas", 2));
    assertThat(created.status()).as(created.text()).isEqualTo(201);
    JsonObject ready = awaitReady("clf-a", 2);
    assertThat(ready.getJsonArray("replica_status").stream().map(r -> ((JsonObject) r).getInteger("version")))
        .containsOnly(1);

    float[][] rows = {{0.5f, -1.2f, 0.3f, 2.0f}, {-0.7f, 0.1f, 1.5f, -0.4f}};
    JsonObject predicted = api.postJson("/api/deployments/clf-a/predict", new JsonObject().put("inputs",
        new JsonArray().add(jsonRow(rows[0])).add(new JsonObject().put("input", jsonRow(rows[1]))))).json();
    assertThat(predicted.getString("model")).isEqualTo("clf");
    assertThat(predicted.getInteger("version")).isEqualTo(1);
    for (int r = 0; r < rows.length; r++) {
      JsonArray output = predicted.getJsonArray("outputs").getJsonObject(r).getJsonArray("output");
      double[] expected = first.probabilities(rows[r]);
      for (int c = 0; c < expected.length; c++) {
        assertThat(output.getDouble(c)).isCloseTo(expected[c], within(1e-5));
      }
    }

    JsonObject infer = new JsonObject().put("id", "req-7").put("inputs", new JsonArray().add(new JsonObject()
        .put("name", "input").put("datatype", "FP32").put("shape", new JsonArray().add(2).add(4))
        .put("data", new JsonArray().add(jsonRow(rows[0])).add(jsonRow(rows[1])))))
        .put("outputs", new JsonArray().add(new JsonObject().put("name", "output")));
    JsonObject inferred = api.postJson("/v2/models/clf-a/infer", infer).json();
    assertThat(inferred.getString("id")).isEqualTo("req-7");
    assertThat(inferred.getString("model_name")).isEqualTo("clf-a");
    assertThat(inferred.getString("model_version")).isEqualTo("1");
    JsonObject tensor = inferred.getJsonArray("outputs").getJsonObject(0);
    assertThat(tensor.getString("datatype")).isEqualTo("FP32");
    assertThat(tensor.getJsonArray("shape")).isEqualTo(new JsonArray().add(2).add(2));
    assertThat(tensor.getJsonArray("data").getDouble(2)).isCloseTo(first.probabilities(rows[1])[0], within(1e-5));
    assertThat(api.postJson("/v2/models/clf-a/versions/1/infer", infer).status()).isEqualTo(200);
    // a client that asks whether to send its body (curl does over 1 KiB) is told to
    HttpResponse<String> continued = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
        HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + node.httpPort() + "/v2/models/clf-a/infer"))
            .timeout(Duration.ofSeconds(30)).expectContinue(true).header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(infer.encode())).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(continued.statusCode()).as(continued.body()).isEqualTo(200);
    assertThat(new JsonObject(continued.body()).getString("model_name")).isEqualTo("clf-a");
    assertThat(api.postJson("/v2/models/clf-a/versions/2/infer", infer).status()).isEqualTo(404);
    // the hot path reads plain paths by hand: an escaped one is still decoded, a longer one is no route
    assertThat(api.postJson("/v2/models/clf-%61/versions/%31/infer", infer).json().getString("model_name"))
        .isEqualTo("clf-a");
    assertThat(api.postJson("/api/deployments/clf-%61/predict", new JsonObject().put("inputs",
        new JsonArray().add(jsonRow(rows[0])))).json().getString("deployment")).isEqualTo("clf-a");
    assertThat(api.postJson("/v2/models/clf-a/versions/1/x/infer", infer).status()).isEqualTo(404);
    assertThat(api.postJson("/v2/models/versions/1/infer", infer).status()).isEqualTo(404);
    assertThat(api.postJson("/api/deployments/clf-a/x/predict", new JsonObject()).status()).isEqualTo(404);

    JsonObject metadata = api.get("/v2/models/clf-a").json();
    assertThat(metadata.getString("platform")).isEqualTo("onnxruntime");
    assertThat(metadata.getJsonArray("inputs").getJsonObject(0)).isEqualTo(new JsonObject().put("name", "input")
        .put("datatype", "FP32").put("shape", new JsonArray().add(-1).add(4)));
    assertThat(api.get("/v2/models/clf-a/ready").status()).isEqualTo(200);
    assertThat(api.get("/v2/health/ready").status()).isEqualTo(200);
    assertThat(api.get("/v2").json().getString("name")).isEqualTo("mlplatform");
  }

  @Test
  @DisplayName("wrong shapes and types are 400 naming the tensor, unknown deployments 404, too many rows 413")
  void badPredictions() {
    api.postJson("/api/deployments", new JsonObject().put("name", "clf-b").put("model", "clf").put("version", 1));
    awaitReady("clf-b", 1);
    Api.Response shape = api.postJson("/api/deployments/clf-b/predict", new JsonObject().put("inputs",
        new JsonArray().add(new JsonArray().add(1).add(2).add(3))));
    assertThat(shape.status()).isEqualTo(400);
    assertThat(shape.errorMessage()).contains("input").contains("4 values").contains("[-1, 4]");

    Api.Response wrongTensor = api.postJson("/v2/models/clf-b/infer", new JsonObject().put("inputs", new JsonArray()
        .add(new JsonObject().put("name", "input").put("datatype", "FP64").put("shape", new JsonArray().add(1).add(4))
            .put("data", new JsonArray().add(1).add(2).add(3).add(4)))));
    assertThat(wrongTensor.status()).isEqualTo(400);
    assertThat(wrongTensor.json().getString("error")).contains("input").contains("FP32");
    Api.Response count = api.postJson("/v2/models/clf-b/infer", new JsonObject().put("inputs", new JsonArray()
        .add(new JsonObject().put("name", "input").put("datatype", "FP32").put("shape", new JsonArray().add(2).add(4))
            .put("data", new JsonArray().add(1).add(2).add(3)))));
    assertThat(count.status()).isEqualTo(400);
    assertThat(count.json().getString("error")).contains("needs 8 values, got 3");
    Api.Response notText = api.postJson("/api/deployments/clf-b/predict", new JsonObject().put("inputs",
        new JsonArray().add(new JsonArray().add("a").add(2).add(3).add(4))));
    assertThat(notText.status()).isEqualTo(400);
    assertThat(api.sendJson("POST", "/api/deployments/clf-b/predict", "{\"inputs\": ").status()).isEqualTo(400);

    assertThat(api.postJson("/api/deployments/nothing/predict", new JsonObject().put("inputs", new JsonArray()))
        .status()).isEqualTo(404);
    assertThat(api.get("/v2/models/nothing").json().getString("error")).contains("nothing");

    JsonArray many = new JsonArray();
    for (int i = 0; i < 10_001; i++) {
      many.add(new JsonArray().add(1).add(2).add(3).add(4));
    }
    Api.Response tooMany = api.postJson("/api/deployments/clf-b/predict", new JsonObject().put("inputs", many));
    assertThat(tooMany.status()).isEqualTo(413);
  }

  @Test
  @DisplayName("deployments of unknown versions, batch-only formats or missing keys are refused up front")
  void refusedDeployments() {
    assertThat(api.postJson("/api/deployments", new JsonObject().put("name", "x1").put("model", "clf").put("version", 9))
        .status()).isEqualTo(404);
    assertThat(api.postJson("/api/deployments", new JsonObject().put("name", "x2").put("model", "none"))
        .status()).isEqualTo(404);
    assertThat(api.postJson("/api/deployments", new JsonObject().put("name", "x3").put("model", "clf").put("replicas", 99))
        .status()).isEqualTo(400);
    api.postJson("/api/models", new JsonObject().put("name", "chat-nokey"));
    api.postJson("/api/models/chat-nokey/versions", new JsonObject().put("format", "llm").put("model", "m")
        .put("provider", "local").put("base_url", "http://127.0.0.1:1/v1").put("api_key_env", "MLP_SECRET_TEST_UNSET"));
    Api.Response noKey = api.postJson("/api/deployments", new JsonObject().put("name", "x4").put("model", "chat-nokey"));
    assertThat(noKey.status()).isEqualTo(400);
    assertThat(noKey.errorMessage()).contains("MLP_SECRET_TEST_UNSET");
    assertThat(api.get("/api/deployments/x4").status()).isEqualTo(404);
  }

  @Test
  @DisplayName("a deployment following an alias switches version when the alias moves, with no failed request")
  void aliasMoveWithoutFailures() throws Exception {
    api.putJson("/api/models/clf/aliases/champion", new JsonObject().put("version", 1));
    api.postJson("/api/deployments", new JsonObject().put("name", "clf-c").put("model", "clf")
        .put("version", "champion").put("replicas", 2));
    awaitReady("clf-c", 2);
    AtomicBoolean going = new AtomicBoolean(true);
    Set<Integer> versions = ConcurrentHashMap.newKeySet();
    CopyOnWriteArrayList<String> failures = new CopyOnWriteArrayList<>();
    JsonObject request = new JsonObject().put("inputs", new JsonArray().add(jsonRow(new float[]{1, 1, 1, 1})));
    Thread load = new Thread(() -> {
      while (going.get()) {
        Api.Response response = api.postJson("/api/deployments/clf-c/predict", request);
        if (response.status() == 200) {
          versions.add(response.json().getInteger("version"));
        } else {
          failures.add(response.status() + " " + response.text());
        }
      }
    });
    load.start();
    try {
      Thread.sleep(300);   // requests flow before the switch
      api.putJson("/api/models/clf/aliases/champion", new JsonObject().put("version", 2));
      await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(50)).until(() -> versions.contains(2));
      Thread.sleep(1500);   // and on after it, while the old version's replicas go
    } finally {
      going.set(false);
      load.join();
    }
    assertThat(failures).isEmpty();
    assertThat(versions).containsExactlyInAnyOrder(1, 2);
    JsonObject after = api.postJson("/api/deployments/clf-c/predict", request).json();
    assertThat(after.getInteger("version")).isEqualTo(2);
    assertThat(after.getJsonArray("outputs").getJsonObject(0).getJsonArray("output").getDouble(0))
        .isCloseTo(second.probabilities(1, 1, 1, 1)[0], within(1e-5));
  }

  @Test
  @DisplayName("concurrent single-row requests are scored together in fewer model calls, each getting its own rows")
  void adaptiveBatching() throws Exception {
    api.postJson("/api/deployments", new JsonObject().put("name", "clf-batch").put("model", "clf").put("version", 1)
        .put("batching", new JsonObject().put("max_batch_size", 32).put("max_wait_ms", 5)));
    awaitReady("clf-batch", 1);
    int clients = 48;
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        float[] row = {i / 10f, -i / 20f, 0.5f, i % 3};
        results.add(pool.submit(() -> {
          JsonObject out = api.postJson("/api/deployments/clf-batch/predict",
              new JsonObject().put("inputs", new JsonArray().add(jsonRow(row)))).json();
          double got = out.getJsonArray("outputs").getJsonObject(0).getJsonArray("output").getDouble(1);
          return Math.abs(got - first.probabilities(row)[1]) < 1e-5;
        }));
      }
      for (Future<Boolean> result : results) {
        assertThat(result.get()).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
    JsonObject stats = api.get("/v2/models/clf-batch").json().getJsonObject("batching");
    assertThat(stats.getLong("requests")).isEqualTo(clients);
    assertThat(stats.getLong("model_calls")).isLessThan(clients);
  }

  @Test
  @DisplayName("a deployment is listed, scaled and switched by PATCH, and deleted")
  void patchAndDelete() {
    api.postJson("/api/deployments", new JsonObject().put("name", "clf-d").put("model", "clf").put("version", 1));
    awaitReady("clf-d", 1);
    assertThat(api.get("/api/deployments").json().getJsonArray("items").stream()
        .map(d -> ((JsonObject) d).getString("name"))).contains("clf-d");
    Api.Response scaled = api.patchJson("/api/deployments/clf-d", new JsonObject().put("replicas", 3).put("version", 2));
    assertThat(scaled.status()).as(scaled.text()).isEqualTo(200);
    JsonObject three = awaitReady("clf-d", 3);
    assertThat(three.getJsonArray("replica_status").stream().map(r -> ((JsonObject) r).getInteger("version")))
        .containsOnly(2);
    JsonObject request = new JsonObject().put("inputs", new JsonArray().add(jsonRow(new float[]{1, 2, 3, 4})));
    assertThat(api.postJson("/api/deployments/clf-d/predict", request).json().getInteger("version")).isEqualTo(2);
    assertThat(api.patchJson("/api/deployments/clf-d", new JsonObject().put("version", 42)).status()).isEqualTo(404);
    assertThat(api.delete("/api/deployments/clf-d").status()).isEqualTo(204);
    assertThat(api.get("/api/deployments/clf-d").status()).isEqualTo(404);
    await("replicas of a deleted deployment unload").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
        .until(() -> api.postJson("/api/deployments/clf-d/predict", request).status(), is(404));
  }

  @Test
  @DisplayName("a PMML deployment scores with pmml4s")
  void pmml() {
    api.postJson("/api/models", new JsonObject().put("name", "price"));
    api.upload("/api/models/price/versions", Map.of("format", "pmml"), "p.pmml", TestModels.pmmlRegression());
    api.postJson("/api/deployments", new JsonObject().put("name", "price-a").put("model", "price"));
    awaitReady("price-a", 1);
    JsonObject predicted = api.postJson("/api/deployments/price-a/predict", new JsonObject().put("inputs",
        new JsonArray().add(new JsonArray().add(1.0).add(2.0)).add(new JsonObject().put("x1", 3.0).put("x2", 1.0)))).json();
    JsonArray outputs = predicted.getJsonArray("outputs");
    // y = 1 + 2 x1 - x2
    assertThat(outputs.getJsonObject(0).getMap().values()).contains(1.0);
    assertThat(outputs.getJsonObject(1).getMap().values()).contains(6.0);
  }

  @Test
  @DisplayName("an LLM deployment calls an OpenAI-compatible API; a provider error is a 502 with its message")
  void llm() throws Exception {
    try (FakeChatServer chat = new FakeChatServer()) {
      api.postJson("/api/models", new JsonObject().put("name", "chat"));
      Api.Response version = api.postJson("/api/models/chat/versions", new JsonObject().put("format", "llm")
          .put("provider", "local").put("model", "tiny-chat").put("base_url", chat.baseUrl())
          .put("parameters", new JsonObject().put("temperature", 0.1)));
      assertThat(version.status()).as(version.text()).isEqualTo(201);
      api.postJson("/api/deployments", new JsonObject().put("name", "chat-a").put("model", "chat"));
      awaitReady("chat-a", 1);
      JsonObject answer = api.postJson("/api/deployments/chat-a/predict", new JsonObject().put("inputs",
          new JsonArray().add("hello").add(new JsonObject().put("prompt", "world")))).json();
      assertThat(answer.getJsonArray("outputs").getJsonObject(0).getString("text")).isEqualTo("echo: hello");
      assertThat(answer.getJsonArray("outputs").getJsonObject(1).getString("text")).isEqualTo("echo: world");
      assertThat(chat.requests.get(0).getString("model")).isEqualTo("tiny-chat");
      assertThat(chat.requests.get(0).getDouble("temperature")).isEqualTo(0.1);

      Api.Response failed = api.postJson("/api/deployments/chat-a/predict", new JsonObject().put("inputs",
          new JsonArray().add("fail")));
      assertThat(failed.status()).isEqualTo(502);
      assertThat(failed.errorMessage()).contains("429").contains("rate limit reached");
      api.delete("/api/deployments/chat-a");
    }
  }

  @Test
  @DisplayName("a replica that cannot load says why, and predictions get 503 with Retry-After")
  void notReady() throws Exception {
    api.postJson("/api/models", new JsonObject().put("name", "lost"));
    // a model file no node has cached yet, whose object then disappears from the store
    byte[] unseen = TestModels.classifier(dir, 11).onnx();
    JsonObject version = api.upload("/api/models/lost/versions", Map.of("format", "onnx"), "l.onnx", unseen).json();
    MinioClient s3 = MinioClient.builder().endpoint(node.s3Endpoint())
        .credentials(node.settings().s3AccessKey(), node.settings().s3SecretKey()).build();
    s3.removeObject(RemoveObjectArgs.builder().bucket("models")
        .object(version.getJsonObject("artifact").getString("key")).build());
    api.postJson("/api/deployments", new JsonObject().put("name", "lost-a").put("model", "lost"));
    JsonObject failed = awaitStatus("lost-a", "failed");
    assertThat(failed.getJsonArray("replica_status").getJsonObject(0).getString("reason")).contains("missing");
    Api.Response predicted = api.postJson("/api/deployments/lost-a/predict", new JsonObject().put("inputs",
        new JsonArray().add(jsonRow(new float[]{1, 2, 3, 4}))));
    assertThat(predicted.status()).isEqualTo(503);
    assertThat(predicted.errorCode()).isEqualTo("unavailable");
    assertThat(api.delete("/api/deployments/lost-a").status()).isEqualTo(204);
  }

  @Test
  @DisplayName("/metrics: Prometheus text with predictions per deployment, version and replica, HTTP by route, JVM")
  void prometheusMetrics() {
    assertThat(api.postJson("/api/deployments", new JsonObject().put("name", "clf-m").put("model", "clf")
        .put("version", 2)).status()).isEqualTo(201);
    awaitReady("clf-m", 1);
    float[] row = {0.5f, -1.2f, 0.3f, 2.0f};
    Prometheus before = scrape();
    for (int i = 0; i < 25; i++) {
      assertThat(api.postJson("/api/deployments/clf-m/predict", new JsonObject().put("inputs",
          new JsonArray().add(jsonRow(row)))).status()).isEqualTo(200);
    }
    assertThat(api.postJson("/api/deployments/clf-m/predict", new JsonObject().put("inputs",
        new JsonArray().add(new JsonArray().add(1)))).status()).isEqualTo(400);
    Prometheus after = scrape();

    String[] replica = {"deployment", "clf-m", "model", "clf", "version", "2", "replica", "0"};
    assertThat(after.sum("mlplatform_predictions_seconds_count", with(replica, "outcome", "ok"))
        - before.sum("mlplatform_predictions_seconds_count", with(replica, "outcome", "ok"))).isEqualTo(25);
    assertThat(after.sum("mlplatform_predictions_seconds_count", with(replica, "outcome", "error"))
        - before.sum("mlplatform_predictions_seconds_count", with(replica, "outcome", "error"))).isEqualTo(1);
    assertThat(after.find("mlplatform_predictions_seconds_bucket", with(replica, "outcome", "ok"))).isNotEmpty();
    assertThat(after.sum("mlplatform_batch_size_rows_sum", replica) - before.sum("mlplatform_batch_size_rows_sum",
        replica)).isEqualTo(25);
    assertThat(after.find("mlplatform_batch_queue_seconds_count", replica)).isNotEmpty();
    // the gateway's requests by route pattern (not by path: names do not make new series), method and status
    String route = "/api/deployments/{name}/predict";
    String[] predictions = {"route", route, "method", "POST"};
    assertThat(after.sum("mlplatform_http_requests_seconds_count", with(predictions, "code", "200"))
        - before.sum("mlplatform_http_requests_seconds_count", with(predictions, "code", "200"))).isEqualTo(25);
    assertThat(after.sum("mlplatform_http_requests_seconds_count", with(predictions, "code", "400"))
        - before.sum("mlplatform_http_requests_seconds_count", with(predictions, "code", "400"))).isEqualTo(1);
    assertThat(after.find("mlplatform_http_requests_seconds_bucket", with(predictions, "code", "200"))).isNotEmpty();
    assertThat(after.find("mlplatform_http_requests_seconds_count").stream().map(s -> s.labels().get("route")))
        .noneMatch(r -> r.contains("clf-m"));
    // a route outside the contract is named by its own pattern, an unknown path is not named at all
    api.get("/openapi.yaml");
    api.get("/api/no-such/clf-m");
    Prometheus later = scrape();
    assertThat(later.sum("mlplatform_http_requests_seconds_count", "route", "/openapi.yaml", "code", "200"))
        .isGreaterThanOrEqualTo(1);
    assertThat(later.sum("mlplatform_http_requests_seconds_count", "route", "unmatched", "code", "404"))
        .isGreaterThanOrEqualTo(1);
    assertThat(after.find("jvm_memory_used_bytes")).isNotEmpty();
    // GC pauses appear only after a first collection; the GC meters bound at start are always there
    assertThat(after.find("jvm_gc_max_data_size_bytes")).isNotEmpty();
    assertThat(after.find("vertx_eventbus_handlers")).isNotEmpty();
    assertThat(api.delete("/api/deployments/clf-m").status()).isEqualTo(204);
  }

  @Test
  @DisplayName("once a small model is measured cheap, its predictions are scored on the gateway's event loop without an "
      + "event-bus message each, and are counted and right")
  void directAnswers() throws Exception {
    assertThat(api.postJson("/api/deployments", new JsonObject().put("name", "clf-d").put("model", "clf")
        .put("version", 1)).status()).isEqualTo(201);
    awaitReady("clf-d", 1);
    String address = "mcp.deployment.clf-d";
    AtomicInteger sent = new AtomicInteger();
    ExecutorService clients = Executors.newFixedThreadPool(8);
    try {
      // the model's cost per row is measured on its calls: a burst of concurrent ones, as a served model sees
      List<Future<Integer>> burst = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        burst.add(clients.submit(() -> api.postJson("/api/deployments/clf-d/predict", new JsonObject()
            .put("inputs", new JsonArray().add(jsonRow(new float[]{1, 2, 3, 4})))).status()));
      }
      for (Future<Integer> status : burst) {
        assertThat(status.get()).isEqualTo(200);
        sent.incrementAndGet();
      }
      // then, one at a time, until 20 predictions in a row take at most 2 event-bus messages
      await().atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(10))
          .until(() -> {
            double before = scrape().sum("vertx_eventbus_processed_total", "address", address);
            for (int i = 0; i < 20; i++) {
              float[] row = {i / 7f, -i / 3f, 0.25f, i % 5};
              JsonObject answer = api.postJson("/api/deployments/clf-d/predict", new JsonObject().put("inputs",
                  new JsonArray().add(jsonRow(row)))).json();
              sent.incrementAndGet();
              assertThat(answer.getJsonArray("outputs").getJsonObject(0).getJsonArray("output").getDouble(1))
                  .isCloseTo(first.probabilities(row)[1], within(1e-5));
            }
            return scrape().sum("vertx_eventbus_processed_total", "address", address) - before;
          }, matching("at most 2 event-bus messages for 20 predictions", messages -> messages <= 2));
    } finally {
      clients.shutdownNow();
    }
    JsonObject batching = api.get("/v2/models/clf-d").json().getJsonObject("batching");
    assertThat(batching.getLong("requests")).isGreaterThanOrEqualTo(sent.get());
    assertThat(scrape().sum("mlplatform_predictions_seconds_count", "deployment", "clf-d", "outcome", "ok"))
        .isGreaterThanOrEqualTo(sent.get());
    assertThat(api.delete("/api/deployments/clf-d").status()).isEqualTo(204);
  }

  @Test
  @DisplayName("MLP_METRICS_VERTX=false keeps the platform's and the JVM's meters and drops Vert.x's event-bus ones")
  void withoutVertxMeters() throws Exception {
    try (Node lean = TestNodes.start(dir.resolve("lean"), Map.of("MLP_METRICS_VERTX", "false"))) {
      Api leanApi = new Api(lean.httpPort());
      leanApi.postJson("/api/models", new JsonObject().put("name", "clf"));
      assertThat(leanApi.upload("/api/models/clf/versions", Map.of("format", "onnx"), "v1.onnx", first.onnx()).status())
          .isEqualTo(201);
      assertThat(leanApi.postJson("/api/deployments", new JsonObject().put("name", "clf-l").put("model", "clf"))
          .status()).isEqualTo(201);
      JsonObject request = new JsonObject().put("inputs", new JsonArray().add(jsonRow(new float[]{0.5f, -1.2f, 0.3f, 2.0f})));
      await("clf-l ready").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
          .until(() -> leanApi.postJson("/api/deployments/clf-l/predict", request).status(), is(200));
      for (int i = 0; i < 5; i++) {
        assertThat(leanApi.postJson("/api/deployments/clf-l/predict", request).status()).isEqualTo(200);
      }
      Prometheus scraped = Prometheus.parse(leanApi.get("/metrics").text());
      assertThat(scraped.sum("mlplatform_predictions_seconds_count", "deployment", "clf-l", "outcome", "ok"))
          .isEqualTo(6);
      assertThat(scraped.find("jvm_memory_used_bytes")).isNotEmpty();
      assertThat(scraped.find("vertx_eventbus_handlers")).isEmpty();
      assertThat(scraped.sum("mlplatform_http_requests_seconds_count", "route", "/api/deployments/{name}/predict"))
          .isGreaterThanOrEqualTo(6);
    }
  }

  static Prometheus scrape() {
    Api.Response scraped = api.get("/metrics");
    assertThat(scraped.status()).isEqualTo(200);
    assertThat(scraped.contentType()).startsWith("text/plain");
    return Prometheus.parse(scraped.text());
  }

  private static String[] with(String[] labels, String... more) {
    String[] all = java.util.Arrays.copyOf(labels, labels.length + more.length);
    System.arraycopy(more, 0, all, labels.length, more.length);
    return all;
  }

  static JsonObject awaitReady(String name, int replicas) {
    return await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
        .until(() -> api.get("/api/deployments/" + name).json(), matching(name + " with " + replicas + " ready replicas",
            deployment -> deployment.getJsonArray("replica_status").stream()
                .filter(r -> "ready".equals(((JsonObject) r).getString("status"))).count() >= replicas));
  }

  static JsonObject awaitStatus(String name, String status) {
    return awaitStatus(api, name, status);
  }

  /** The deployment once the platform behind {@code api} reports it in {@code status}. */
  static JsonObject awaitStatus(Api api, String name, String status) {
    return await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
        .until(() -> api.get("/api/deployments/" + name).json(),
            matching(name + " " + status, deployment -> status.equals(deployment.getString("status"))));
  }

  static JsonArray jsonRow(float[] values) {
    JsonArray row = new JsonArray();
    for (float v : values) {
      row.add((double) v);
    }
    return row;
  }
}
