package io.mlplatform.runtime.registry;

import io.mlplatform.mcp.McpException;
import io.mlplatform.mcp.Payload;
import io.mlplatform.runtime.LoadedModel;
import io.mlplatform.runtime.ModelFormat;
import io.mlplatform.runtime.Serving;
import io.mlplatform.runtime.SparkScorer;
import io.mlplatform.runtime.llm.LlmFormat;
import io.mlplatform.runtime.onnx.OnnxFormat;
import io.mlplatform.runtime.pmml.PmmlFormat;
import io.mlplatform.runtime.spark.SparkFormat;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** The model formats the platform knows, and what the servers and jobs ask of a version's format. */
public final class ModelFormats {
  /** Every format, in the order messages name them: a new format is one more entry (the contract's enum lists them). */
  private static final List<ModelFormat> FORMATS = List.of(new OnnxFormat(), new PmmlFormat(), new SparkFormat(),
      new LlmFormat());

  private ModelFormats() {
  }

  /** The format a request or a version names; an unknown name is an invalid_argument listing the formats. */
  public static ModelFormat named(String name) {
    return FORMATS.stream().filter(format -> format.name().equals(name)).findFirst()
        .orElseThrow(() -> McpException.invalidField("format", "must be one of " + String.join(", ", names(FORMATS))
            + " (got " + Payload.printable(name) + ")"));
  }

  /** The format of the ONNX exports that versions of some formats bring (see ModelFormat.exportsToOnnx). */
  public static ModelFormat exports() {
    return named(OnnxFormat.NAME);
  }

  /** The version a deployment of {@code version} loads: itself, or the ONNX export it was registered with. */
  public static JsonObject served(JsonObject version) {
    JsonObject onnx = version.getJsonObject("onnx");
    if (onnx != null && onnx.getJsonObject("artifact") != null && named(version.getString("format")).exportsToOnnx()) {
      return version.copy().put("format", exports().name()).put("artifact", onnx.getJsonObject("artifact"))
          .put("signature", onnx.getJsonObject("signature"));
    }
    return version;
  }

  /** Refuses a registered version that deployments cannot serve (themselves or through an export), saying why. */
  public static void checkServable(JsonObject registered, Map<String, String> environment) {
    JsonObject version = served(registered);
    ModelFormat format = named(version.getString("format"));
    format.checkServable(version, environment);
    if (format.loader() == null) {
      throw McpException.invalidField("version", "version " + version.getInteger("version") + " is a "
          + format.name() + " model, which serves in batch executions only (online formats: " + online() + ")");
    }
  }

  /** Loads a version (as {@link #served} gives it) for online predictions. Blocking: call it from a worker thread. */
  public static LoadedModel load(JsonObject version, Path artifact, Serving serving) throws Exception {
    ModelFormat format = named(version.getString("format"));
    if (format.loader() == null) {
      throw McpException.invalidField("format", "a " + format.name() + " model cannot serve online predictions"
          + " (online formats: " + online() + "); score it with a batch execution");
    }
    return format.loader().load(version, artifact, serving);
  }

  /**
   * The Spark scorer of a version's format; a 400 naming the formats that score in Spark when it has none.
   * {@code work} names what asks ("batch scoring").
   */
  public static SparkScorer sparkScorer(JsonObject version, String work) {
    SparkScorer scorer = named(version.getString("format")).sparkScorer();
    if (scorer == null) {
      List<String> scored = names(FORMATS.stream().filter(format -> format.sparkScorer() != null).toList());
      throw McpException.invalidField("model", work + " takes " + String.join(", ", scored.subList(0, scored.size() - 1))
          + " or " + scored.get(scored.size() - 1) + " models; version " + version.getInteger("version") + " is "
          + version.getString("format"));
    }
    return scorer;
  }

  /** Where the formats keep what they derive from an artifact with this SHA-256 (see ModelFormat.derivedPrefix). */
  public static List<String> derivedPrefixes(String sha256) {
    return FORMATS.stream().map(format -> format.derivedPrefix(sha256)).filter(Objects::nonNull).toList();
  }

  private static List<String> online() {
    return names(FORMATS.stream().filter(format -> format.loader() != null).toList());
  }

  private static List<String> names(List<ModelFormat> formats) {
    return formats.stream().map(ModelFormat::name).toList();
  }
}
