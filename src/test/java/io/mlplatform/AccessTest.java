package io.mlplatform;

import io.mlplatform.storage.ObjectStore;
import io.mlplatform.support.Api;
import io.mlplatform.support.FakeChatServer;
import io.mlplatform.support.FromNode;
import io.mlplatform.support.NodeSettings;
import io.mlplatform.support.ObjectListing;
import io.mlplatform.support.SharedNode;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("fast")
@ExtendWith(SharedNode.class)
// two gateways on the port: each keeps its own cache of keys, and both must forget a revoked one
@NodeSettings({"MLP_AUTH_REQUIRED=true", "MLP_HTTP_INSTANCES=2"})
@DisplayName("API keys and roles: who may do what, and workflow gates on the caller's role")
class AccessTest {
  @FromNode static Node node;
  @FromNode static Api anonymous;
  @FromNode(admin = true) static Api admin;

  /** Creates a key with these roles (as the admin) and returns an API that calls with it. */
  static Api keyed(String name, String... roles) {
    Api.Response created = admin.postJson("/api/keys", new JsonObject().put("name", name)
        .put("roles", new JsonArray(java.util.List.of((Object[]) roles))));
    assertThat(created.status()).as(created.text()).isEqualTo(201);
    String key = created.json().getString("key");
    assertThat(key).startsWith("mlp_").hasSizeGreaterThan(40);
    return anonymous.withKey(key);
  }

  @Test
  @DisplayName("without a key only health and the console answer; a key's roles decide what it may do")
  void roles() {
    assertThat(anonymous.get("/health").status()).isEqualTo(200);
    assertThat(anonymous.get("/").status()).isEqualTo(200);
    Api.Response refused = anonymous.get("/api/models");
    assertThat(refused.status()).isEqualTo(401);
    assertThat(refused.errorMessage()).contains("Authorization: Bearer");
    assertThat(anonymous.get("/api/me").json().getBoolean("anonymous")).isTrue();
    assertThat(anonymous.withKey("mlp_not-a-key").get("/api/me").status()).isEqualTo(401);
    // the agents' endpoint too: with keys required, a client without one is told to send it
    io.mlplatform.support.McpHttp agent = new io.mlplatform.support.McpHttp(node.httpPort(), null);
    assertThat(agent.initialize().status()).isEqualTo(401);
    assertThat(agent.initialize().error().getString("message")).contains("Authorization: Bearer");

    Api viewer = keyed("viewer-1", "viewer");
    Api editor = keyed("editor-1", "editor");
    JsonObject me = editor.get("/api/me").json();
    assertThat(me.getString("name")).isEqualTo("editor-1");
    assertThat(me.getJsonArray("permissions")).containsExactly("read", "predict", "write");

    assertThat(editor.postJson("/api/models", new JsonObject().put("name", "churn")).status()).isEqualTo(201);
    assertThat(editor.upload("/api/datasets", Map.of("name", "visits"), "visits.csv", "a,b\n1,2\n".getBytes()).status())
        .isEqualTo(201);
    assertThat(viewer.get("/api/datasets/visits/versions/1").json().getString("created_by")).isEqualTo("editor-1");
    assertThat(viewer.get("/api/models/churn").status()).isEqualTo(200);
    Api.Response denied = viewer.postJson("/api/models", new JsonObject().put("name", "other"));
    assertThat(denied.status()).isEqualTo(403);
    assertThat(denied.errorCode()).isEqualTo("permission_denied");
    assertThat(denied.errorMessage()).contains("viewer-1", "model.create", "write");
    assertThat(viewer.delete("/api/models/churn").status()).isEqualTo(403);
    assertThat(admin.get("/api/models/churn").status()).isEqualTo(200);

    // keys are the admin's: an editor can neither list nor create them
    assertThat(editor.get("/api/keys").status()).isEqualTo(403);
    assertThat(editor.postJson("/api/keys", new JsonObject().put("name", "mine").put("roles", new JsonArray().add("admin")))
        .status()).isEqualTo(403);
    JsonArray keys = admin.get("/api/keys").json().getJsonArray("items");
    assertThat(keys.stream().map(k -> ((JsonObject) k).getString("name"))).contains("viewer-1", "editor-1");
    assertThat(keys.encode()).doesNotContain("\"key\"", "\"hash\"");
    assertThat(admin.postJson("/api/keys", new JsonObject().put("name", "viewer-1").put("roles", new JsonArray().add("viewer")))
        .status()).isEqualTo(409);
    assertThat(admin.postJson("/api/keys", new JsonObject().put("name", "none").put("roles", new JsonArray()))
        .status()).isEqualTo(400);
  }

  @Test
  @DisplayName("a predictor predicts but reads nothing; a viewer reads but does not predict; deployments name their creator")
  void predictions() throws Exception {
    Api predictor = keyed("app-1", "predictor");
    Api viewer = keyed("viewer-2", "viewer");
    Api editor = keyed("editor-4", "editor");
    try (FakeChatServer chat = new FakeChatServer()) {
      WorkflowLlmTest.deployChat(admin, editor, chat, "assistant");
      assertThat(viewer.get("/api/deployments/assistant").json().getString("created_by")).isEqualTo("editor-4");
      assertThat(viewer.get("/api/models/chat-model/versions/1").json().getString("created_by")).isEqualTo("admin");
      JsonObject body = new JsonObject().put("inputs", new JsonArray().add("hello"));
      Api.Response predicted = predictor.postJson("/api/deployments/assistant/predict", body);
      assertThat(predicted.status()).as(predicted.text()).isEqualTo(200);
      assertThat(predictor.postJson("/api/deployments/nowhere/predict", body).status()).isEqualTo(404);
      assertThat(predictor.get("/api/deployments").status()).isEqualTo(403);
      assertThat(predictor.get("/api/models").status()).isEqualTo(403);
      assertThat(viewer.postJson("/api/deployments/assistant/predict", body).status()).isEqualTo(403);
      assertThat(viewer.postJson("/v2/models/assistant/infer", new JsonObject().put("inputs", new JsonArray()))
          .status()).isEqualTo(403);
      assertThat(editor.delete("/api/deployments/assistant").status()).isEqualTo(204);
    }
  }

  @Test
  @DisplayName("an upload the caller may not make is refused before any byte is stored")
  void uploads() throws Exception {
    Api viewer = keyed("viewer-3", "viewer");
    byte[] csv = "a,b\n1,2\n".getBytes();
    Api.Response refused = viewer.upload("/api/datasets", Map.of("name", "secret"), "secret.csv", csv);
    assertThat(refused.status()).isEqualTo(403);
    assertThat(anonymous.upload("/api/datasets", Map.of("name", "secret"), "secret.csv", csv).status()).isEqualTo(401);
    assertThat(admin.get("/api/datasets/secret").status()).isEqualTo(404);
    assertThat(ObjectListing.keys(node, ObjectStore.DATASETS)).noneMatch(key -> key.contains("secret"));
  }

  @Test
  @DisplayName("a deleted key is refused at once by every gateway")
  void revocation() {
    Api editor = keyed("editor-2", "editor");
    for (int i = 0; i < 10; i++) {
      assertThat(editor.get("/api/models").status()).isEqualTo(200);
    }
    assertThat(admin.delete("/api/keys/editor-2").status()).isEqualTo(204);
    for (int i = 0; i < 10; i++) {
      assertThat(editor.get("/api/models").status()).as("request %d after the key was deleted", i).isEqualTo(401);
    }
    assertThat(admin.delete("/api/keys/editor-2").status()).isEqualTo(404);
  }

  @Test
  @DisplayName("the event bridge needs a key that may read, given as api_key where a browser cannot set headers")
  void events() throws Exception {
    assertThat(anonymous.get("/eventbus/info").status()).isEqualTo(401);
    String key = admin.postJson("/api/keys", new JsonObject().put("name", "console-1")
        .put("roles", new JsonArray().add("viewer"))).json().getString("key");
    assertThat(anonymous.get("/eventbus/info?api_key=" + key).status()).isEqualTo(200);
    assertThat(keyed("app-2", "predictor").get("/eventbus/info").status()).isEqualTo(403);

    // a browser's bridge socket, opened with the key, is closed once the key is deleted (the client is held: Vert.x
    // closes a client the garbage collector finds unreachable, which had cut the handshake now and then)
    WebSocketClient client = node.vertx().createWebSocketClient();
    try {
      WebSocket socket = client.connect(node.httpPort(), "127.0.0.1", "/eventbus/websocket?api_key=" + key)
          .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      CompletableFuture<Void> closed = new CompletableFuture<>();
      socket.closeHandler(v -> closed.complete(null));
      assertThat(admin.delete("/api/keys/console-1").status()).isEqualTo(204);
      closed.get(10, TimeUnit.SECONDS);
      assertThat(socket.closeStatusCode()).isEqualTo((short) 4001);
    } finally {
      client.close();
    }
  }

  @Test
  @DisplayName("a gate on a role holds only for runs started by a key with that role; runs act with their caller's rights")
  void workflowRoles() throws Exception {
    Api editor = keyed("editor-3", "editor");
    Api approver = keyed("approver-1", "editor", "approver");
    JsonObject definition = new JsonObject().put("name", "approved-release").put("steps", new JsonArray()
        .add(new JsonObject().put("id", "approval").put("kind", "gate").put("reason", "releases need an approver")
            .put("check", new JsonObject().put("role", "approver")))
        .add(new JsonObject().put("id", "models").put("kind", "call").put("operation", "model.list")
            .put("inputs", new JsonObject())));
    assertThat(editor.postJson("/api/workflows", definition).status()).isEqualTo(201);

    JsonObject stopped = runAs(editor, "approved-release");
    assertThat(stopped.getString("status")).isEqualTo("failed");
    assertThat(stopped.getJsonObject("error").getString("code")).isEqualTo("gate_closed");
    assertThat(stopped.getJsonObject("error").getString("message"))
        .contains("releases need an approver", "editor-3", "approver");
    assertThat(stopped.getJsonObject("caller").getString("name")).isEqualTo("editor-3");

    JsonObject passed = runAs(approver, "approved-release");
    assertThat(passed.getString("status")).as(passed.encodePrettily()).isEqualTo("succeeded");
    assertThat(WorkflowTest.stepOf(passed, "approval").getJsonObject("output").getString("role")).isEqualTo("approver");

    // a run can do no more than whoever started it: an editor's run may not list API keys
    JsonObject keys = new JsonObject().put("name", "list-keys").put("steps", new JsonArray()
        .add(new JsonObject().put("id", "keys").put("kind", "call").put("operation", "key.list")
            .put("inputs", new JsonObject())));
    assertThat(editor.postJson("/api/workflows", keys).status()).isEqualTo(201);
    JsonObject refused = runAs(editor, "list-keys");
    assertThat(refused.getString("status")).isEqualTo("failed");
    assertThat(refused.getJsonObject("error").encode()).contains("permission_denied");
    assertThat(runAs(admin, "list-keys").getString("status")).isEqualTo("succeeded");
    Api viewer = keyed("viewer-5", "viewer");
    assertThat(viewer.postJson("/api/workflows/list-keys/runs", new JsonObject()).status()).isEqualTo(403);
  }

  private static JsonObject runAs(Api caller, String workflow) throws InterruptedException {
    Api.Response started = caller.postJson("/api/workflows/" + workflow + "/runs", new JsonObject());
    assertThat(started.status()).as(started.text()).isEqualTo(202);
    return WorkflowTest.awaitEnd(caller, started.json().getString("id"));
  }
}
