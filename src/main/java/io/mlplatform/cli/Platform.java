package io.mlplatform.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Flow;
import java.util.function.LongConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The platform's HTTP API as the command line calls it: JSON calls, multipart uploads streamed from a file and
 * downloads streamed to one (a file is never held in memory), the API key as {@code Authorization: Bearer}.
 */
final class Platform {
  static final ObjectMapper JSON = new ObjectMapper()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS, DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
  private static final int CHUNK = 1 << 20;
  private static final Pattern FILENAME = Pattern.compile("filename=\"([^\"]+)\"");
  /** The platform's codes by status, for errors without the platform's body (a proxy's page). */
  private static final Map<Integer, String> CODES = Map.of(400, "invalid_argument",
      401, "unauthenticated", 403, "permission_denied", 404, "not_found", 409, "conflict", 413, "payload_too_large",
      500, "internal", 502, "upstream_error", 503, "unavailable", 504, "deadline_exceeded");

  private final String url;
  private final String apiKey;
  private final PrintWriter err;
  private final HttpClient http;

  Platform(String url, String apiKey, PrintWriter err) {
    this.url = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    this.apiKey = apiKey == null || apiKey.isBlank() ? null : apiKey;
    this.err = err;
    this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(10)).build();
  }

  static ObjectNode object() {
    return JsonNodeFactory.instance.objectNode();
  }

  /** An API path from segments, each escaped. */
  static String path(Object... segments) {
    StringBuilder path = new StringBuilder();
    for (Object segment : segments) {
      path.append('/').append(URLEncoder.encode(String.valueOf(segment), StandardCharsets.UTF_8).replace("+", "%20"));
    }
    return path.toString();
  }

  /** A query string of the given parameters that are not null. */
  static String query(Object... namesAndValues) {
    List<String> given = new ArrayList<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      if (namesAndValues[i + 1] != null) {
        given.add(namesAndValues[i] + "=" + URLEncoder.encode(String.valueOf(namesAndValues[i + 1]),
            StandardCharsets.UTF_8));
      }
    }
    return given.isEmpty() ? "" : "?" + String.join("&", given);
  }

  JsonNode get(String path) {
    return call("GET", path, null);
  }

  JsonNode delete(String path) {
    return call("DELETE", path, null);
  }

  /** A JSON call: the answer's JSON (a NullNode for 204), or the platform's refusal thrown as a CliFailure. */
  JsonNode call(String method, String path, JsonNode body) {
    HttpRequest.Builder request = request(path);
    if (body == null) {
      request.method(method, method.equals("POST") ? BodyPublishers.ofString("") : BodyPublishers.noBody());
    } else {
      request.header("Content-Type", "application/json").method(method, BodyPublishers.ofString(body.toString()));
    }
    HttpResponse<String> response = send(request.build(), BodyHandlers.ofString(StandardCharsets.UTF_8), method, path);
    return answer(response.statusCode(), response.body());
  }

  /**
   * A multipart/form-data POST: the text fields, then the file in "file" (named {@code filename}), sent from the
   * disk as the request goes out, with its progress on standard error.
   */
  JsonNode upload(String path, Map<String, String> fields, Path file, String filename) {
    long size;
    try {
      size = Files.size(file);
    } catch (NoSuchFileException e) {
      throw CliFailure.usage("no such file: " + file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String boundary = "mlp-" + UUID.randomUUID();
    StringBuilder head = new StringBuilder();
    fields.forEach((name, value) -> head.append("--").append(boundary)
        .append("\r\nContent-Disposition: form-data; name=\"").append(name).append("\"\r\n\r\n").append(value)
        .append("\r\n"));
    head.append("--").append(boundary).append("\r\nContent-Disposition: form-data; name=\"file\"; filename=\"")
        .append(filename.replaceAll("[\"\\\\\r\n]", "_")).append("\"\r\nContent-Type: application/octet-stream\r\n\r\n");
    Progress progress = Progress.ofBytes(err, "upload " + file.getFileName(), size);
    BodyPublisher content;
    try {
      content = new Counted(BodyPublishers.ofFile(file), new LongConsumer() {
        private long sent;

        @Override
        public void accept(long bytes) {
          sent += bytes;
          progress.update(sent);
        }
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    BodyPublisher body = BodyPublishers.concat(BodyPublishers.ofString(head.toString(), StandardCharsets.UTF_8),
        content, BodyPublishers.ofString("\r\n--" + boundary + "--\r\n"));
    HttpRequest request = request(path).timeout(Duration.ofHours(6))
        .header("Content-Type", "multipart/form-data; boundary=" + boundary).POST(body).build();
    HttpResponse<String> response = send(request, BodyHandlers.ofString(StandardCharsets.UTF_8), "POST", path);
    JsonNode answer = answer(response.statusCode(), response.body());
    progress.finish(null);
    return answer;
  }

  /**
   * Copies the answer's bytes to {@code destination} (a file, a directory to put the server's file name in, or
   * null for the current directory; "-" is standard output) a chunk at a time; a broken copy leaves no file.
   * Answers where the bytes went.
   */
  String download(String path, String destination, String label) {
    HttpRequest request = request(path).timeout(Duration.ofHours(6)).GET().build();
    HttpResponse<InputStream> response = send(request, BodyHandlers.ofInputStream(), "GET", path);
    try (InputStream in = response.body()) {
      if (response.statusCode() >= 400) {
        answer(response.statusCode(), new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
      long length = response.headers().firstValueAsLong("Content-Length").orElse(0);
      if ("-".equals(destination)) {
        copy(in, System.out, length, null);
        System.out.flush();
        return "standard output";
      }
      Path target = target(destination, response.headers().firstValue("Content-Disposition").orElse(""), path);
      Path partial = target.resolveSibling(target.getFileName() + ".part");
      try (OutputStream out = Files.newOutputStream(partial)) {
        copy(in, out, length, Progress.ofBytes(err, label, length));
        Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(partial);
      }
      return target.toString();
    } catch (IOException e) {
      throw CliFailure.unreachable("the download of " + url + path + " broke off: " + e.getMessage());
    }
  }

  private static Path target(String destination, String disposition, String path) {
    Matcher named = FILENAME.matcher(disposition);
    String served = named.find() ? Path.of(named.group(1)).getFileName().toString()
        : path.substring(path.lastIndexOf('/') + 1);
    if (destination == null) {
      return Path.of(served);
    }
    Path given = Path.of(destination);
    return Files.isDirectory(given) ? given.resolve(served) : given;
  }

  private static void copy(InputStream in, OutputStream out, long length, Progress progress) throws IOException {
    byte[] buffer = new byte[CHUNK];
    long received = 0;
    for (int n; (n = in.read(buffer)) >= 0; ) {
      out.write(buffer, 0, n);
      received += n;
      if (progress != null) {
        progress.update(received);
      }
    }
    if (length > 0 && received != length) {
      throw new IOException("received " + received + " of " + length + " bytes");
    }
    if (progress != null) {
      progress.finish(null);
    }
  }

  private HttpRequest.Builder request(String path) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofMinutes(2))
        .header("Accept", "application/json").header("User-Agent", "mlplatform-cli");
    return apiKey == null ? builder : builder.header("Authorization", "Bearer " + apiKey);
  }

  private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler, String method,
                                   String path) {
    try {
      return http.send(request, handler);
    } catch (IOException e) {
      String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
      throw CliFailure.unreachable("cannot reach the platform at " + url + " (" + method + " " + path + "): " + why);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw CliFailure.unreachable("interrupted: " + method + " " + path);
    }
  }

  /** The answer's JSON, or its error thrown: {"error": {code, message, details}}, V2's {"error": message}, or text. */
  private static JsonNode answer(int status, String text) {
    JsonNode body;
    try {
      body = text == null || text.isBlank() ? NullNode.instance : JSON.readTree(text);
    } catch (IOException e) {
      body = JsonNodeFactory.instance.textNode(text);
    }
    if (status < 400) {
      return body;
    }
    JsonNode error = body.path("error");
    String code = error.path("code").asText(CODES.getOrDefault(status, "http_" + status));
    String message = error.isObject() ? error.path("message").asText()
        : error.isTextual() ? error.asText() : text.length() > 500 ? text.substring(0, 500) : text;
    JsonNode details = error.path("details");
    if (details.isObject() && !details.isEmpty()) {
      message += " " + details;
    }
    throw CliFailure.refused(code, message);
  }

  /** A body publisher that reports the bytes its source hands over. */
  private record Counted(BodyPublisher source, LongConsumer sent) implements BodyPublisher {
    @Override
    public long contentLength() {
      return source.contentLength();
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
      source.subscribe(new Flow.Subscriber<>() {
        @Override
        public void onSubscribe(Flow.Subscription subscription) {
          subscriber.onSubscribe(subscription);
        }

        @Override
        public void onNext(ByteBuffer item) {
          int bytes = item.remaining();
          subscriber.onNext(item);
          sent.accept(bytes);
        }

        @Override
        public void onError(Throwable throwable) {
          subscriber.onError(throwable);
        }

        @Override
        public void onComplete() {
          subscriber.onComplete();
        }
      });
    }
  }
}
