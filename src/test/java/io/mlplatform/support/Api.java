package io.mlplatform.support;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/** A plain HTTP client of the platform's API, as any user's client would be. */
public final class Api {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
      .version(HttpClient.Version.HTTP_1_1).build();
  private final String base;
  private final String key;

  public Api(int port) {
    this("http://127.0.0.1:" + port, null);
  }

  private Api(String base, String key) {
    this.base = base;
    this.key = key;
  }

  /** The same API, called with an API key ({@code Authorization: Bearer <key>}). */
  public Api withKey(String key) {
    return new Api(base, key);
  }

  public record Response(int status, byte[] bytes, String contentType, java.net.http.HttpHeaders headers) {
    /** A response header's first value, or null. */
    public String header(String name) {
      return headers.firstValue(name).orElse(null);
    }

    public String text() {
      return new String(bytes, StandardCharsets.UTF_8);
    }

    public JsonObject json() {
      return new JsonObject(text());
    }

    /** The error's code, for error responses. */
    public String errorCode() {
      return json().getJsonObject("error").getString("code");
    }

    public String errorMessage() {
      return json().getJsonObject("error").getString("message");
    }
  }

  /** Creates an API key with one role (this Api calls as an admin) and answers its secret. */
  public String createKey(String name, String role) {
    Response created = postJson("/api/keys", new JsonObject().put("name", name)
        .put("roles", new JsonArray().add(role)));
    if (created.status() != 201) {
      throw new IllegalStateException("creating key " + name + ": " + created.status() + " " + created.text());
    }
    return created.json().getString("key");
  }

  public Response get(String path) {
    return send(request(path).GET());
  }

  public Response delete(String path) {
    return send(request(path).DELETE());
  }

  public Response postJson(String path, Object json) {
    return sendJson("POST", path, json.toString());
  }

  /** A JSON POST with more headers: names and values in turn. */
  public Response postJson(String path, Object json, String... headers) {
    return send(request(path).headers(headers).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(json.toString())));
  }

  /**
   * A request of the Open Inference Protocol's binary tensor data extension: {@code json}, then {@code binary}, the
   * Inference-Header-Content-Length header giving the JSON's length.
   */
  public Response postTensors(String path, Object json, byte[] binary) {
    byte[] head = json.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] body = java.util.Arrays.copyOf(head, head.length + binary.length);
    System.arraycopy(binary, 0, body, head.length, binary.length);
    return send(request(path).header("Content-Type", "application/octet-stream")
        .header("Inference-Header-Content-Length", Integer.toString(head.length))
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  public Response putJson(String path, Object json) {
    return sendJson("PUT", path, json.toString());
  }

  public Response patchJson(String path, Object json) {
    return sendJson("PATCH", path, json.toString());
  }

  public Response sendJson(String method, String path, String body) {
    return send(request(path).header("Content-Type", "application/json")
        .method(method, HttpRequest.BodyPublishers.ofString(body)));
  }

  public Response send(String method, String path, String contentType, byte[] body) {
    return send(request(path).header("Content-Type", contentType).method(method, HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  public Response send(String method, String path, String contentType, HttpRequest.BodyPublisher body) {
    return send(request(path).header("Content-Type", contentType).method(method, body));
  }

  /** A multipart/form-data POST: text fields, then the file in field "file". */
  public Response upload(String path, Map<String, String> fields, String filename, byte[] content) {
    Multipart form = new Multipart();
    fields.forEach(form::field);
    if (filename != null) {
      form.file("file", filename, content);
    }
    return send(request(path).header("Content-Type", form.contentType()).POST(form.publisher()));
  }

  public Response upload(String path, String filename, byte[] content) {
    return upload(path, Map.of(), filename, content);
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
    return key == null ? builder : builder.header("Authorization", "Bearer " + key);
  }

  private Response send(HttpRequest.Builder builder) {
    try {
      HttpResponse<byte[]> response = http.send(builder.build(), HttpResponse.BodyHandlers.ofByteArray());
      return new Response(response.statusCode(), response.body(),
          response.headers().firstValue("Content-Type").orElse(""), response.headers());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Builds a multipart/form-data body. */
  public static final class Multipart {
    private final String boundary = "mlp-" + UUID.randomUUID();
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private final Map<String, String> seen = new LinkedHashMap<>();

    public Multipart field(String name, String value) {
      seen.put(name, value);
      write("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value + "\r\n");
      return this;
    }

    public Multipart file(String name, String filename, byte[] content) {
      write("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"" + filename
          + "\"\r\nContent-Type: application/octet-stream\r\n\r\n");
      body.writeBytes(content);
      write("\r\n");
      return this;
    }

    public String contentType() {
      return "multipart/form-data; boundary=" + boundary;
    }

    public HttpRequest.BodyPublisher publisher() {
      write("--" + boundary + "--\r\n");
      return HttpRequest.BodyPublishers.ofByteArray(body.toByteArray());
    }

    private void write(String text) {
      body.writeBytes(text.getBytes(StandardCharsets.UTF_8));
    }
  }
}
