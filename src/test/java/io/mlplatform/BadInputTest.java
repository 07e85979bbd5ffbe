package io.mlplatform;

import io.mlplatform.support.Api;
import io.mlplatform.support.FromNode;
import io.mlplatform.support.NodeSettings;
import io.mlplatform.support.ObjectListing;
import io.mlplatform.support.Prometheus;
import io.mlplatform.support.SharedNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("fast")
@ExtendWith(SharedNode.class)
@NodeSettings({"MLP_MAX_JSON_BYTES=4096", "MLP_MAX_UPLOAD_BYTES=200000"})
@DisplayName("Bad input gets a clear 4xx and leaves nothing half-written")
class BadInputTest {
  @FromNode static Node node;
  @FromNode static Api api;

  @BeforeAll
  static void start() {
    api.postJson("/api/models", new JsonObject().put("name", "existing"));
  }

  @Test
  @DisplayName("malformed JSON, wrong types, missing and unknown fields name what is wrong")
  void malformedBodies() {
    Api.Response malformed = api.sendJson("POST", "/api/models", "{\"name\": ");
    assertThat(malformed.status()).isEqualTo(400);
    assertThat(malformed.errorCode()).isEqualTo("invalid_argument");

    Api.Response wrongType = api.postJson("/api/models", new JsonObject().put("name", 42));
    assertThat(wrongType.status()).isEqualTo(400);
    assertThat(wrongType.errorMessage()).startsWith("name:");

    Api.Response tagType = api.postJson("/api/models", new JsonObject().put("name", "t").put("tags", new JsonObject().put("k", 1)));
    assertThat(tagType.status()).isEqualTo(400);
    assertThat(tagType.errorMessage()).contains("tags");

    Api.Response missing = api.postJson("/api/models", new JsonObject().put("description", "no name"));
    assertThat(missing.status()).isEqualTo(400);
    assertThat(missing.errorMessage()).contains("name");

    Api.Response unknown = api.postJson("/api/models", new JsonObject().put("name", "u").put("owner", "me"));
    assertThat(unknown.status()).isEqualTo(400);
    assertThat(unknown.errorMessage()).contains("owner");

    Api.Response array = api.sendJson("POST", "/api/models", "[1, 2]");
    assertThat(array.status()).isEqualTo(400);

    Api.Response badQuery = api.get("/api/models?limit=lots");
    assertThat(badQuery.status()).isEqualTo(400);
    assertThat(badQuery.errorMessage()).contains("limit");

    Api.Response badAlias = api.putJson("/api/models/existing/aliases/prod", new JsonObject().put("version", "one"));
    assertThat(badAlias.status()).isEqualTo(400);
    assertThat(badAlias.errorMessage()).contains("version");
  }

  @Test
  @DisplayName("names with '/', '..' or control characters are refused")
  void badNames() {
    for (String name : new String[]{"a/b", "..", "a..b", "line\nbreak", "tab\there", "-leading", ""}) {
      Api.Response response = api.postJson("/api/models", new JsonObject().put("name", name));
      assertThat(response.status()).as("name %s", name).isEqualTo(400);
      assertThat(response.errorMessage()).as("name %s", name).contains("name");
    }
    assertThat(api.get("/api/models/a..b").status()).isEqualTo(400);
    assertThat(api.get("/api/models/%2e%2e").status()).isIn(400, 404);
    assertThat(api.get("/api/models").json().getLong("total")).isEqualTo(1);
  }

  @Test
  @DisplayName("'$' keys anywhere in user JSON are refused: no operator reaches MongoDB")
  void operatorInjection() {
    Api.Response tags = api.postJson("/api/models", new JsonObject().put("name", "inj")
        .put("tags", new JsonObject().put("$where", "sleep(1000)")));
    assertThat(tags.status()).isEqualTo(400);
    assertThat(tags.errorMessage()).contains("$where");

    Api.Response nested = api.upload("/api/models/existing/versions",
        Map.of("format", "pmml", "params", "{\"grid\": [{\"$gt\": 1}]}"), "m.pmml",
        io.mlplatform.support.TestModels.pmmlRegression());
    assertThat(nested.status()).isEqualTo(400);
    assertThat(nested.errorMessage()).contains("$gt");

    Api.Response dotted = api.patchJson("/api/models/existing", new JsonObject()
        .put("tags", new JsonObject().put("a.b", "c")));
    assertThat(dotted.status()).isEqualTo(400);

    // the contract's validator reads a JSON-looking query value as JSON: an object is not a string
    Api.Response objectSearch = api.get("/api/models?search=%7B%22%24ne%22%3Anull%7D");
    assertThat(objectSearch.status()).isEqualTo(400);
    assertThat(objectSearch.errorMessage()).contains("search");
    Api.Response operatorText = api.get("/api/models?search=%24ne");
    assertThat(operatorText.status()).isEqualTo(200);
    assertThat(operatorText.json().getLong("total")).isZero();
    assertThat(api.get("/api/models?search=.*").json().getLong("total")).isZero();
    assertThat(api.get("/api/models/inj").status()).isEqualTo(404);
  }

  @Test
  @DisplayName("bodies over the limits get 413, and an upload over the limit leaves no object")
  void limits() throws Exception {
    char[] big = new char[8000];
    Arrays.fill(big, 'x');
    Api.Response json = api.postJson("/api/models", new JsonObject().put("name", "big").put("description", new String(big)));
    assertThat(json.status()).isEqualTo(413);
    assertThat(json.errorCode()).isEqualTo("payload_too_large");

    int before = ObjectListing.keys(node, "datasets").size();
    StringBuilder csv = new StringBuilder("a,b\n");
    while (csv.length() < 300_000) {
      csv.append("12345,67890\n");
    }
    Api.Response upload = api.upload("/api/datasets", Map.of("name", "huge"), "huge.csv", csv.toString().getBytes());
    assertThat(upload.status()).isEqualTo(413);
    assertThat(upload.errorMessage()).contains("200000");
    assertThat(api.get("/api/datasets/huge").status()).isEqualTo(404);
    assertThat(ObjectListing.keys(node, "datasets")).hasSize(before);
  }

  @Test
  @DisplayName("a prediction is refused as any request is, before a model is asked: too big (declared or chunked), "
      + "not sent as JSON, from another site, with an unknown key, on a dot segment, with an unknown expectation; each counted "
      + "on its route")
  void predictionRefusals() throws IOException {
    Prometheus before = Prometheus.parse(api.get("/metrics").text());
    char[] big = new char[8000];
    Arrays.fill(big, 'x');
    String tooBig = new JsonObject().put("inputs", new JsonArray().add(new String(big))).encode();
    Api.Response declared = api.sendJson("POST", "/v2/models/any/infer", tooBig);
    assertThat(declared.status()).isEqualTo(413);
    assertThat(declared.json().getString("error")).contains("larger than the limit");
    // no Content-Length: refused once the chunks read pass the limit
    Api.Response chunked = api.send("POST", "/api/deployments/any/predict", "application/json",
        HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofString(tooBig)));
    assertThat(chunked.status()).isEqualTo(413);
    assertThat(chunked.errorCode()).isEqualTo("payload_too_large");

    JsonObject rows = new JsonObject().put("inputs", new JsonArray().add(new JsonArray().add(1)));
    Api.Response plain = api.send("POST", "/api/deployments/any/predict", "text/plain", rows.encode().getBytes());
    assertThat(plain.status()).isEqualTo(400);
    assertThat(plain.errorMessage()).contains("application/json");
    Api.Response foreign = api.postJson("/v2/models/any/versions/1/infer", rows, "Origin", "https://evil.example");
    assertThat(foreign.status()).isEqualTo(403);
    assertThat(foreign.json().getString("error")).contains("MLP_ALLOWED_ORIGINS");
    Api.Response unknownKey = api.withKey("not-a-key").postJson("/api/deployments/any/predict", rows);
    assertThat(unknownKey.status()).isEqualTo(401);
    assertThat(api.postJson("/api/deployments/./predict", rows).status()).isEqualTo(400);
    Api.Response malformed = api.sendJson("POST", "/api/deployments/any/predict", "{\"inputs\": ");
    assertThat(malformed.status()).isEqualTo(400);
    assertThat(malformed.errorMessage()).contains("malformed JSON");
    assertThat(rawStatusLine("POST /api/deployments/any/predict HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Content-Type: application/json\r\nExpect: something-else\r\nContent-Length: 2\r\n\r\n{}"))
        .startsWith("HTTP/1.1 400");
    assertThat(rawStatusLine("POST /api/models HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + "Expect: something-else\r\nContent-Length: 2\r\n\r\n{}")).startsWith("HTTP/1.1 400");
    Api.Response nowhere = api.postJson("/api/deployments/any/predict", rows);
    assertThat(nowhere.status()).isEqualTo(404);
    assertThat(nowhere.errorMessage()).contains("any");

    Prometheus after = Prometheus.parse(api.get("/metrics").text());
    String predict = "/api/deployments/{name}/predict";
    assertThat(counted(before, after, predict, "413")).isEqualTo(1);
    assertThat(counted(before, after, predict, "400")).isEqualTo(3);
    assertThat(counted(before, after, predict, "401")).isEqualTo(1);
    assertThat(counted(before, after, predict, "404")).isEqualTo(1);
    assertThat(counted(before, after, "/v2/models/{name}/infer", "413")).isEqualTo(1);
    assertThat(counted(before, after, "/v2/models/{name}/versions/{version}/infer", "403")).isEqualTo(1);
  }

  /** The status line the node answers {@code request} with, sent as it is (headers an HTTP client would refuse to set). */
  private static String rawStatusLine(String request) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", node.httpPort())) {
      socket.setSoTimeout(30_000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
    }
  }

  /** The requests on {@code route} answered with {@code code} between two scrapes. */
  private static double counted(Prometheus before, Prometheus after, String route, String code) {
    String[] labels = {"route", route, "method", "POST", "code", code};
    return after.sum("mlplatform_http_requests_seconds_count", labels)
        - before.sum("mlplatform_http_requests_seconds_count", labels);
  }

  @Test
  @DisplayName("unknown routes are 404 and uploads that are not multipart are 400, all as JSON errors")
  void routes() {
    Api.Response nowhere = api.get("/api/nowhere");
    assertThat(nowhere.status()).isEqualTo(404);
    assertThat(nowhere.errorCode()).isEqualTo("not_found");
    Api.Response notMultipart = api.send("POST", "/api/datasets", "text/csv", "a,b\n1,2\n".getBytes());
    assertThat(notMultipart.status()).isEqualTo(400);
    assertThat(notMultipart.errorMessage()).contains("multipart");
    Api.Response jsonVersion = api.sendJson("POST", "/api/models/existing/versions", "{\"format\": \"onnx\"}");
    assertThat(jsonVersion.status()).isEqualTo(400);
    assertThat(jsonVersion.errorMessage()).contains("file");
  }
}
