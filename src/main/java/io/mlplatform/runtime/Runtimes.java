package io.mlplatform.runtime;

import io.mlplatform.mcp.McpException;
import io.mlplatform.runtime.llm.ChatModel;
import io.mlplatform.runtime.onnx.OnnxModel;
import io.mlplatform.runtime.pmml.PmmlModel;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;

import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

/** Loads a registered model version into the runtime of its format. */
public final class Runtimes {
  /** The formats that can serve online predictions (Spark pipelines run in batch executions only). */
  public static final Set<String> ONLINE_FORMATS = Set.of("onnx", "pmml", "llm");

  private Runtimes() {
  }

  /**
   * Loads {@code version} (a registry version document) from its artifact file, or from its configuration for an LLM.
   * Blocking: call it from a worker thread.
   */
  public static LoadedModel load(JsonObject version, Path artifact, WorkerExecutor workers, WebClient web,
                                 Map<String, String> environment) throws Exception {
    String format = version.getString("format");
    return switch (format) {
      case "onnx" -> OnnxModel.load(artifact, workers);
      case "pmml" -> PmmlModel.load(artifact, workers);
      case "llm" -> {
        JsonObject config = version.getJsonObject("llm");
        yield new ChatModel(web, config, ChatModel.apiKey(config, environment));
      }
      default -> throw McpException.invalidField("format", "a " + format + " model cannot serve online predictions"
          + " (online formats: " + ONLINE_FORMATS + "); score it with a batch execution");
    };
  }
}
