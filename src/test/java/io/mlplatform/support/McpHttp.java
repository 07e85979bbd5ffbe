package io.mlplatform.support;

import io.vertx.core.json.JsonObject;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** A Model Context Protocol client over plain HTTP for tests: JSON-RPC messages POSTed to /mcp, answers as JSON. */
public final class McpHttp {
  public static final String VERSION = "2025-11-25";
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
      .version(HttpClient.Version.HTTP_1_1).build();
  private final AtomicInteger ids = new AtomicInteger();
  private final String url;
  private final String key;

  public McpHttp(int port, String key) {
    this.url = "http://127.0.0.1:" + port + "/mcp";
    this.key = key;
  }

  public record Answer(int status, String body) {
    public JsonObject json() {
      return new JsonObject(body);
    }

    /** The JSON-RPC result (fails the test with the whole answer when there is none). */
    public JsonObject result() {
      JsonObject result = status == 200 ? json().getJsonObject("result") : null;
      if (result == null) {
        throw new AssertionError("expected a result, got HTTP " + status + ": " + body);
      }
      return result;
    }

    public JsonObject error() {
      JsonObject error = json().getJsonObject("error");
      if (error == null) {
        throw new AssertionError("expected an error, got HTTP " + status + ": " + body);
      }
      return error;
    }
  }

  /** Sends a request with {@code params} and returns the answer. */
  public Answer request(String method, JsonObject params) {
    JsonObject message = new JsonObject().put("jsonrpc", "2.0").put("id", ids.incrementAndGet()).put("method", method);
    if (params != null) {
      message.put("params", params);
    }
    return post(message.encode(), Map.of());
  }

  public Answer initialize() {
    return request("initialize", new JsonObject().put("protocolVersion", VERSION)
        .put("capabilities", new JsonObject())
        .put("clientInfo", new JsonObject().put("name", "mlplatform-test").put("version", "1")));
  }

  /** tools/call: the result (whose isError tells a tool's refusal). */
  public JsonObject call(String tool, JsonObject arguments) {
    return request("tools/call", new JsonObject().put("name", tool).put("arguments", arguments)).result();
  }

  /** tools/call of a tool that must succeed: its structured content. */
  public JsonObject ok(String tool, JsonObject arguments) {
    JsonObject result = call(tool, arguments);
    if (Boolean.TRUE.equals(result.getBoolean("isError")) || result.getJsonObject("structuredContent") == null) {
      throw new AssertionError(tool + " failed: " + result.encode());
    }
    return result.getJsonObject("structuredContent");
  }

  public Answer post(String body, Map<String, String> headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(90))
        .header("Content-Type", "application/json").header("Accept", "application/json, text/event-stream")
        .header("MCP-Protocol-Version", VERSION);
    if (key != null) {
      request.header("Authorization", "Bearer " + key);
    }
    headers.forEach(request::setHeader);
    return send(request.POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  public Answer get() {
    return send(HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream").GET());
  }

  private Answer send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new Answer(response.statusCode(), response.body());
    } catch (Exception e) {
      throw new AssertionError("MCP request to " + url + " failed", e);
    }
  }
}
