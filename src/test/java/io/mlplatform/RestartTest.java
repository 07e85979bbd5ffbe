package io.mlplatform;

import io.mlplatform.support.Api;
import io.mlplatform.support.TestModels;
import io.mlplatform.support.TestNodes;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("slow")
@DisplayName("A restarted node finds everything it stored")
class RestartTest {
  @TempDir
  Path dir;

  @Test
  @DisplayName("models, versions, artifacts, aliases and datasets survive a restart on the same data directory")
  void survivesRestart() throws Exception {
    byte[] onnx = TestModels.onnxClassifier(dir);
    Path data = dir.resolve("data");
    try (Node first = TestNodes.start(data)) {
      Api api = new Api(first.httpPort());
      api.postJson("/api/models", new JsonObject().put("name", "kept").put("description", "survivor"));
      assertThat(api.upload("/api/models/kept/versions", Map.of("format", "onnx"), "m.onnx", onnx).status()).isEqualTo(201);
      api.putJson("/api/models/kept/aliases/champion", new JsonObject().put("version", 1));
      assertThat(api.upload("/api/datasets", Map.of("name", "rows"), "rows.csv", "a,b\n1,x\n2,y\n".getBytes()).status())
          .isEqualTo(201);
    }
    try (Node second = TestNodes.start(data)) {
      Api api = new Api(second.httpPort());
      assertThat(api.get("/api/models/kept").json().getString("description")).isEqualTo("survivor");
      JsonObject champion = api.get("/api/models/kept/versions/champion").json();
      assertThat(champion.getInteger("version")).isEqualTo(1);
      assertThat(champion.getJsonObject("signature").getJsonArray("inputs")).hasSize(1);
      assertThat(api.get("/api/models/kept/versions/1/artifact").bytes()).isEqualTo(onnx);
      JsonObject preview = api.get("/api/datasets/rows/versions/1/preview").json();
      assertThat(preview.getJsonArray("rows")).hasSize(2);
      assertThat(preview.getJsonArray("rows").getJsonObject(1).getString("b")).isEqualTo("y");
    }
  }
}
