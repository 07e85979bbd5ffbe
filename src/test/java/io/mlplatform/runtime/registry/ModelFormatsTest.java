package io.mlplatform.runtime.registry;

import io.mlplatform.mcp.ErrorCode;
import io.mlplatform.mcp.McpException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("fast")
@DisplayName("The model formats answer for a version's format what the servers and jobs ask")
class ModelFormatsTest {
  private static final JsonObject EXPORT = new JsonObject().put("supported", true)
      .put("artifact", new JsonObject().put("bucket", "models").put("key", "executions/e1/model.onnx"))
      .put("signature", new JsonObject().put("inputs", new JsonArray().add(new JsonObject().put("name", "input"))));

  private static JsonObject version(String format) {
    return new JsonObject().put("version", 3).put("format", format).put("signature", new JsonObject());
  }

  @Test
  @DisplayName("a format is found by its name; an unknown name is refused with the list of formats")
  void named() {
    assertThat(ModelFormats.named("pmml").name()).isEqualTo("pmml");
    assertThatThrownBy(() -> ModelFormats.named("tflite")).isInstanceOf(McpException.class)
        .hasMessage("format: must be one of onnx, pmml, spark, llm (got 'tflite')");
  }

  @Test
  @DisplayName("a pipeline with an ONNX export is served as that export, with its signature; without one it is refused")
  void servedThroughExport() {
    JsonObject exported = version("spark").put("onnx", EXPORT);
    JsonObject served = ModelFormats.served(exported);
    assertThat(served.getString("format")).isEqualTo("onnx");
    assertThat(served.getJsonObject("artifact")).isEqualTo(EXPORT.getJsonObject("artifact"));
    assertThat(served.getJsonObject("signature")).isEqualTo(EXPORT.getJsonObject("signature"));
    assertThat(exported.getString("format")).isEqualTo("spark");
    ModelFormats.checkServable(exported, Map.of());

    JsonObject unexported = version("spark").put("onnx", new JsonObject().put("supported", false)
        .put("reason", "KMeansModel has no ONNX export yet"));
    assertThat(ModelFormats.served(unexported)).isSameAs(unexported);
    assertThatThrownBy(() -> ModelFormats.checkServable(unexported, Map.of()))
        .hasMessage("version: version 3 is a Spark pipeline without an ONNX export (KMeansModel has no ONNX export"
            + " yet); it scores in batch executions");
    assertThatThrownBy(() -> ModelFormats.load(unexported, null, null))
        .hasMessage("format: a spark model cannot serve online predictions (online formats: [onnx, pmml, llm]);"
            + " score it with a batch execution");
  }

  @Test
  @DisplayName("an LLM version serves only where its API key is set")
  void llmKey() {
    JsonObject llm = version("llm").put("llm", new JsonObject().put("provider", "groq").put("model", "m"));
    assertThatThrownBy(() -> ModelFormats.checkServable(llm, Map.of())).isInstanceOf(McpException.class)
        .hasMessageContaining("needs an API key: set GROQ_API_KEY");
    ModelFormats.checkServable(llm, Map.of("GROQ_API_KEY", "k"));
  }

  @Test
  @DisplayName("a format without a Spark scorer is refused for batch work, naming those that have one")
  void sparkScorer() {
    assertThat(ModelFormats.sparkScorer(version("onnx"), "batch scoring")).isNotNull();
    assertThatThrownBy(() -> ModelFormats.sparkScorer(version("llm"), "evaluation"))
        .isInstanceOfSatisfying(McpException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT))
        .hasMessage("model: evaluation takes onnx, pmml or spark models; version 3 is llm");
  }
}
