package io.mlplatform.runtime.onnx;

import ai.onnxruntime.MapInfo;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxModelMetadata;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.SequenceInfo;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.ValueInfo;
import io.mlplatform.mcp.McpException;
import io.mlplatform.runtime.ModelFormat;
import io.mlplatform.runtime.SparkScorer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.Objects;

/** ONNX models: inspected and served online with onnxruntime ({@link OnnxModel}), scored in Spark by {@link OnnxScoring}. */
public final class OnnxFormat implements ModelFormat {
  public static final String NAME = "onnx";

  @Override
  public String name() {
    return NAME;
  }

  /** The graph's inputs and outputs (tensors with their types and shapes; sequences; maps) and its metadata. */
  @Override
  public JsonObject inspect(InputStream artifact, long size) throws IOException {
    Path file = Files.createTempFile("mlp-model-", ".onnx");
    try {
      Files.copy(artifact, file, StandardCopyOption.REPLACE_EXISTING);
      OrtEnvironment environment = OrtEnvironment.getEnvironment();
      try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
           OrtSession session = environment.createSession(file.toString(), options)) {
        JsonObject signature = new JsonObject()
            .put("inputs", describe(session.getInputInfo()))
            .put("outputs", describe(session.getOutputInfo()));
        OnnxModelMetadata metadata = session.getMetadata();
        JsonObject details = new JsonObject()
            .put("producer", metadata.getProducerName())
            .put("graph", metadata.getGraphName())
            .put("domain", metadata.getDomain())
            .put("model_version", metadata.getVersion());
        return new JsonObject().put("signature", signature).put("details", details);
      } catch (OrtException e) {
        // the runtime's message names the temporary file: keep only its reason
        String reason = Objects.requireNonNullElse(e.getMessage(), "unreadable").lines().findFirst().orElse("");
        throw McpException.invalidField("file", "not a valid ONNX model: "
            + reason.replaceAll("Load model from \\S+ failed:", ""));
      }
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private static JsonArray describe(Map<String, NodeInfo> nodes) {
    JsonArray described = new JsonArray();
    nodes.values().forEach(node -> described.add(describe(node.getName(), node.getInfo())));
    return described;
  }

  private static JsonObject describe(String name, ValueInfo info) {
    JsonObject value = new JsonObject().put("name", name);
    if (info instanceof TensorInfo tensor) {
      JsonArray shape = new JsonArray();
      for (long dimension : tensor.getShape()) {
        shape.add(dimension);
      }
      return value.put("kind", "tensor").put("type", tensor.type.toString().toLowerCase()).put("shape", shape);
    }
    if (info instanceof SequenceInfo sequence) {
      return value.put("kind", "sequence").put("type", sequence.toString());
    }
    if (info instanceof MapInfo map) {
      return value.put("kind", "map").put("type", map.keyType + "->" + map.valueType);
    }
    return value.put("kind", "unknown").put("type", String.valueOf(info));
  }

  @Override
  public Loader loader() {
    return (version, artifact, serving) -> OnnxModel.load(artifact, serving.workers());
  }

  /** Made when asked: its class loads Spark's, which the servers' event loops need not. */
  @Override
  public SparkScorer sparkScorer() {
    return new OnnxScoring();
  }
}
