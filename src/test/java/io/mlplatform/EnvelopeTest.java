package io.mlplatform;

import io.mlplatform.mcp.Envelope;
import io.mlplatform.mcp.EnvelopeCodec;
import io.mlplatform.mcp.ErrorCode;
import io.mlplatform.mcp.McpClient;
import io.mlplatform.mcp.McpException;
import io.mlplatform.mcp.OperationRouter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("fast")
@ExtendWith(VertxExtension.class)
@DisplayName("The MCP envelope and its request helper on a real event bus")
class EnvelopeTest {
  private static final Envelope.Party CALLER = new Envelope.Party("test", "gateway");
  private static final Envelope.Party SERVER = new Envelope.Party("server-1", "model-server");

  @Test
  @DisplayName("an envelope has exactly the seed's fields and survives its JSON form")
  void jsonForm() {
    Envelope request = Envelope.request(CALLER, SERVER, "model.get", new JsonObject().put("name", "m"));
    JsonObject json = request.toJson();
    assertThat(json.fieldNames()).containsExactlyInAnyOrder("mcp_version", "message_id", "timestamp", "sender",
        "recipient", "message_type", "operation", "payload", "metadata");
    assertThat(json.getString("mcp_version")).isEqualTo("1.0");
    assertThat(json.getString("message_type")).isEqualTo("request");
    assertThat(Envelope.fromJson(json)).isEqualTo(request);

    Envelope response = request.resultFrom(SERVER, new JsonObject().put("ok", true));
    assertThat(response.correlationId()).isEqualTo(request.messageId());
    assertThat(response.messageType()).isEqualTo("response");
    assertThat(response.recipient()).isEqualTo(CALLER);
    assertThat(response.result().getBoolean("ok")).isTrue();
  }

  @Test
  @DisplayName("a server's answer comes back as a result, its refusal as a typed error, an unknown operation as invalid_argument")
  void requestAndResponse(Vertx vertx, VertxTestContext test) {
    EnvelopeCodec.register(vertx.eventBus());
    McpClient client = new McpClient(vertx, CALLER, 2000);
    new OperationRouter(SERVER)
        .on("echo", payload -> Future.succeededFuture(payload.copy().put("echoed", true)))
        .on("refuse", payload -> Future.failedFuture(McpException.notFound("nothing here")))
        .on("crash", payload -> {
          throw new IllegalStateException("boom");
        })
        .bind(vertx, "test.server")
        .compose(consumer -> client.send("test.server", client.newRequest(SERVER, "echo", new JsonObject().put("x", 1))))
        .compose(result -> {
          test.verify(() -> assertThat(result).isEqualTo(new JsonObject().put("x", 1).put("echoed", true)));
          return failureOf(client.send("test.server", client.newRequest(SERVER, "refuse", null)));
        })
        .compose(refused -> {
          test.verify(() -> assertThat(refused.code()).isEqualTo(ErrorCode.NOT_FOUND));
          return failureOf(client.send("test.server", client.newRequest(SERVER, "crash", null)));
        })
        .compose(crashed -> {
          test.verify(() -> assertThat(crashed.code()).isEqualTo(ErrorCode.INTERNAL));
          return failureOf(client.send("test.server", client.newRequest(SERVER, "model.nothing", null)));
        })
        .onComplete(test.succeeding(unknown -> test.verify(() -> {
          assertThat(unknown.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
          assertThat(unknown.getMessage()).contains("model.nothing");
          test.completeNow();
        })));
  }

  @Test
  @DisplayName("no handler is unavailable; no answer in time is deadline_exceeded")
  void transportErrors(Vertx vertx, VertxTestContext test) {
    EnvelopeCodec.register(vertx.eventBus());
    McpClient client = new McpClient(vertx, CALLER, 300);
    vertx.eventBus().consumer("test.silent", message -> { });
    failureOf(client.send("test.nobody", client.newRequest(SERVER, "echo", null)))
        .compose(nobody -> {
          test.verify(() -> assertThat(nobody.code()).isEqualTo(ErrorCode.UNAVAILABLE));
          return failureOf(client.send("test.silent", client.newRequest(SERVER, "echo", null)));
        })
        .onComplete(test.succeeding(silent -> test.verify(() -> {
          assertThat(silent.code()).isEqualTo(ErrorCode.DEADLINE_EXCEEDED);
          test.completeNow();
        })));
  }

  private static Future<McpException> failureOf(Future<?> future) {
    return future.transform(outcome -> outcome.succeeded()
        ? Future.failedFuture(new AssertionError("expected a failure, got " + outcome.result()))
        : Future.succeededFuture((McpException) outcome.cause()));
  }
}
