package io.mlplatform;

import io.mlplatform.support.Api;
import io.mlplatform.support.NodeProcess;
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
@DisplayName("A node hosting the embedded MongoDB killed right after it answered")
class AcknowledgedWriteKillTest {
  @TempDir
  Path dir;

  @Test
  @DisplayName("a model, its ONNX version and a dataset acknowledged with 201 are all there after kill -9 and restart")
  void acknowledgedWritesSurviveKill() throws Exception {
    byte[] onnx = TestModels.onnxClassifier(dir);
    Path data = dir.resolve("data");
    NodeProcess node = NodeProcess.start(data, Map.of("MLP_EMBEDDED_MONGO_PORT", "0", "MLP_EMBEDDED_S3_PORT", "0",
        "MLP_ROLES", "gateway,hub,model,data"));
    try {
      Api api = new Api(node.httpPort());
      assertThat(api.postJson("/api/models", new JsonObject().put("name", "kept")).status()).isEqualTo(201);
      assertThat(api.upload("/api/models/kept/versions", Map.of("format", "onnx"), "m.onnx", onnx).status())
          .isEqualTo(201);
      assertThat(api.upload("/api/datasets", Map.of("name", "rows"), "rows.csv", "a,b\n1,x\n2,y\n".getBytes())
          .status()).isEqualTo(201);
    } finally {
      node.kill();   // within a few milliseconds of the last 201: the embedded store's delayed commit would lose it
    }
    try (Node restarted = TestNodes.start(data)) {
      Api api = new Api(restarted.httpPort());
      assertThat(api.get("/api/models/kept").status()).isEqualTo(200);
      assertThat(api.get("/api/models/kept/versions/1").status()).isEqualTo(200);
      assertThat(api.get("/api/datasets/rows").status()).isEqualTo(200);
      assertThat(api.get("/api/models/kept/versions/1/artifact").bytes()).isEqualTo(onnx);
      assertThat(api.get("/api/datasets/rows/versions/1/preview").json().getJsonArray("rows")).hasSize(2);
    }
  }
}
