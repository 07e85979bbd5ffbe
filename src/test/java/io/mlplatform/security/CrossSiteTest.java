package io.mlplatform.security;

import io.mlplatform.Node;
import io.mlplatform.support.Api;
import io.mlplatform.support.FromNode;
import io.mlplatform.support.NodeSettings;
import io.mlplatform.support.SharedNode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("fast")
@ExtendWith(SharedNode.class)
@NodeSettings("MLP_ALLOWED_ORIGINS=" + CrossSiteTest.ALLOWED + ", http://other.example:9000")
@DisplayName("A page on another site cannot change the platform; allowed origins get CORS answers")
class CrossSiteTest {
  static final String ALLOWED = "https://notebooks.example.org";
  @FromNode static Node node;
  @FromNode static Api api;
  static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  private static HttpResponse<String> send(String method, String path, String origin, String contentType, String body)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + path))
        .timeout(Duration.ofSeconds(30)).method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    if (origin != null) {
      request.header("Origin", origin);
    }
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  @DisplayName("changes from a foreign origin (JSON, text/plain or a form upload) are refused and nothing is made")
  void foreignOriginRefused() throws Exception {
    HttpResponse<String> json = send("POST", "/api/models", "https://evil.example", "application/json", "{\"name\": \"a\"}");
    assertThat(json.statusCode()).isEqualTo(403);
    assertThat(json.body()).contains("MLP_ALLOWED_ORIGINS");
    String boundary = "b0";
    String form = "--b0\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nstolen\r\n--b0\r\nContent-Disposition: "
        + "form-data; name=\"file\"; filename=\"x.csv\"\r\nContent-Type: text/csv\r\n\r\na,b\n1,2\n\r\n--b0--\r\n";
    assertThat(send("POST", "/api/datasets", "https://evil.example", "multipart/form-data; boundary=" + boundary, form)
        .statusCode()).isEqualTo(403);
    assertThat(send("DELETE", "/api/models/a", "null", null, null).statusCode()).isEqualTo(403);
    HttpResponse<String> preflight = send("OPTIONS", "/api/models", "https://evil.example", null, null);
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    assertThat(api.get("/api/models/a").status()).isEqualTo(404);
    assertThat(api.get("/api/datasets/stolen").status()).isEqualTo(404);
  }

  @Test
  @DisplayName("a JSON body must say application/json: text/plain (what a form can send) is a 400")
  void jsonOnlyAsJson() throws Exception {
    HttpResponse<String> plain = send("POST", "/api/models", null, "text/plain", "{\"name\": \"plain\"}");
    assertThat(plain.statusCode()).isEqualTo(400);
    assertThat(plain.body()).contains("application/json");
    assertThat(send("POST", "/api/models", null, null, "{\"name\": \"none\"}").statusCode()).isEqualTo(400);
    assertThat(api.get("/api/models/plain").status()).isEqualTo(404);
  }

  @Test
  @DisplayName("the platform's own pages and allowed origins may change things; preflights are answered for them")
  void ownAndAllowedOrigins() throws Exception {
    String own = "http://127.0.0.1:" + node.httpPort();
    assertThat(send("POST", "/api/models", own, "application/json", "{\"name\": \"own\"}").statusCode()).isEqualTo(201);
    HttpResponse<String> allowed = send("POST", "/api/models", ALLOWED, "application/json; charset=utf-8",
        "{\"name\": \"allowed\"}");
    assertThat(allowed.statusCode()).isEqualTo(201);
    assertThat(allowed.headers().firstValue("Access-Control-Allow-Origin")).contains(ALLOWED);
    HttpRequest preflight = HttpRequest.newBuilder(URI.create(own + "/api/models"))
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", ALLOWED)
        .header("Access-Control-Request-Method", "POST").header("Access-Control-Request-Headers", "authorization, content-type")
        .build();
    HttpResponse<String> answered = HTTP.send(preflight, HttpResponse.BodyHandlers.ofString());
    assertThat(answered.statusCode()).isEqualTo(204);
    assertThat(answered.headers().firstValue("Access-Control-Allow-Origin")).contains(ALLOWED);
    assertThat(answered.headers().firstValue("Access-Control-Allow-Methods").orElse("")).contains("POST");
    assertThat(answered.headers().firstValue("Access-Control-Allow-Headers").orElse("")).contains("Authorization");
    HttpRequest refused = HttpRequest.newBuilder(URI.create(own + "/api/models"))
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).header("Origin", "https://evil.example")
        .header("Access-Control-Request-Method", "POST").build();
    assertThat(HTTP.send(refused, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(403);
    // reads from anywhere still work (no credentials are sent cross-site without CORS)
    assertThat(send("GET", "/api/models", "https://evil.example", null, null).statusCode()).isEqualTo(200);
  }
}
