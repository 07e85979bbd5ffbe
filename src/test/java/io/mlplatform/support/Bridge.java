package io.mlplatform.support;

import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A raw WebSocket on the SockJS bridge: one JSON message a frame, as the browser's bridge client sends them. */
public final class Bridge implements WebSocket.Listener, AutoCloseable {
  private final BlockingQueue<JsonObject> received = new LinkedBlockingQueue<>();
  private final StringBuilder partial = new StringBuilder();
  private final CompletableFuture<Integer> closed = new CompletableFuture<>();
  private final WebSocket socket;

  public Bridge(int port) throws Exception {
    this(port, null);
  }

  /** With {@code origin}, the handshake carries it as a browser's would. */
  public Bridge(int port, String origin) throws Exception {
    WebSocket.Builder builder = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5));
    if (origin != null) {
      builder.header("Origin", origin);
    }
    socket = builder.buildAsync(URI.create("ws://127.0.0.1:" + port + "/eventbus/websocket"), this)
        .get(10, TimeUnit.SECONDS);
  }

  public void send(JsonObject message) throws Exception {
    socket.sendText(message.encode(), true).get(5, TimeUnit.SECONDS);
  }

  /** The next message, or null when none came within {@code millis}. */
  public JsonObject next(long millis) throws InterruptedException {
    return received.poll(millis, TimeUnit.MILLISECONDS);
  }

  /** The close code the server sent within {@code millis}; fails if the socket stayed open. */
  public int closedWith(long millis) throws Exception {
    return closed.get(millis, TimeUnit.MILLISECONDS);
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    return onFrame(webSocket, data, last);
  }

  /** The raw transport writes the bridge's messages as binary frames of JSON text. */
  @Override
  public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
    return onFrame(webSocket, StandardCharsets.UTF_8.decode(data), last);
  }

  private CompletionStage<?> onFrame(WebSocket webSocket, CharSequence data, boolean last) {
    partial.append(data);
    if (last) {
      received.add(new JsonObject(partial.toString()));
      partial.setLength(0);
    }
    webSocket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    closed.complete(statusCode);
    return null;
  }

  @Override
  public void close() throws Exception {
    if (!closed.isDone()) {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
    }
  }
}
