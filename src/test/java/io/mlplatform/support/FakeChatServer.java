package io.mlplatform.support;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A small real HTTP server speaking the OpenAI chat-completions API on loopback, standing in for Groq (which cannot
 * be reached from here). It answers "echo: <prompt>" (after {@link #SLOW_MILLIS} when the prompt starts
 * with "slow"), and a rate-limit error for the prompt "fail".
 */
public final class FakeChatServer implements AutoCloseable {
  /** How long a prompt starting with "slow" takes to answer (a run still under way when its node stops). */
  public static final long SLOW_MILLIS = 400;
  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  public final List<JsonObject> requests = new CopyOnWriteArrayList<>();
  public final List<String> authorizations = new CopyOnWriteArrayList<>();

  public FakeChatServer() throws Exception {
    server = vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
      if (!request.path().equals("/v1/chat/completions")) {
        request.response().setStatusCode(404).end();
        return;
      }
      JsonObject json = body.toJsonObject();
      requests.add(json);
      authorizations.add(String.valueOf(request.getHeader("Authorization")));
      String prompt = json.getJsonArray("messages").getJsonObject(0).getString("content");
      if ("fail".equals(prompt)) {
        request.response().setStatusCode(429).putHeader("content-type", "application/json")
            .end(new JsonObject().put("error", new JsonObject().put("message", "rate limit reached for model")).encode());
        return;
      }
      JsonObject answer = new JsonObject().put("id", "chat-1").put("choices", new JsonArray().add(new JsonObject()
          .put("index", 0).put("message", new JsonObject().put("role", "assistant").put("content", "echo: " + prompt))));
      vertx.setTimer(prompt.startsWith("slow") ? SLOW_MILLIS : 1,
          t -> request.response().putHeader("content-type", "application/json").end(answer.encode()));
    })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + server.actualPort() + "/v1";
  }

  @Override
  public void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
