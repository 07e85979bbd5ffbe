package io.mlplatform.runtime;

import io.mlplatform.mcp.Caller;
import io.mlplatform.mcp.Payload;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Map;

/**
 * A model format, whole: how a version of it is registered (its artifact inspected, or its configuration checked),
 * how deployments serve it online, and how it scores datasets in Spark. Every format is listed once, in
 * {@link io.mlplatform.runtime.registry.ModelFormats}; the model server, the deployments and the jobs ask it, never a format's name.
 */
public interface ModelFormat {
  /** Loads a version for online predictions ({@code artifact}: its file on local disk, or null). Blocking. */
  @FunctionalInterface
  interface Loader {
    LoadedModel load(JsonObject version, Path artifact, Serving serving) throws Exception;
  }

  /** The name versions record, e.g. "onnx". */
  String name();

  /** Whether a version is an uploaded file ({@link #inspect}) rather than a configuration ({@link #configure}). */
  default boolean hasArtifact() {
    return true;
  }

  /**
   * Checks that an artifact is a valid model of this format and reads {signature: {inputs, outputs}, details} from the
   * file itself, or fails with an invalid_argument saying why it is not one. {@code size} is the artifact's stored
   * size (it bounds how far an archive may expand), or -1. Blocking: runs on a worker thread.
   */
  default JsonObject inspect(InputStream artifact, long size) throws IOException {
    throw new UnsupportedOperationException(name() + " versions have no artifact");
  }

  /** The fields a version without an artifact records, read from its request and checked: {signature, …}. */
  default JsonObject configure(Payload request, Caller caller) {
    throw new UnsupportedOperationException(name() + " versions are files");
  }

  /** Whether a version may bring an ONNX export of itself, made at training time: its deployments serve that. */
  default boolean exportsToOnnx() {
    return false;
  }

  /**
   * Refuses, with an invalid_argument saying why, a version that deployments cannot serve with this environment:
   * checked when a deployment is created or changed, before any node loads it.
   */
  default void checkServable(JsonObject version, Map<String, String> environment) {
  }

  /** How deployments load versions of this format, or null when they score in batch executions only. */
  default Loader loader() {
    return null;
  }

  /** How versions of this format score datasets in Spark, or null when they do not. */
  default SparkScorer sparkScorer() {
    return null;
  }

  /**
   * The models-bucket prefix under which this format keeps what it derives from an artifact (by its SHA-256), or
   * null: removed once no version holds that artifact.
   */
  default String derivedPrefix(String sha256) {
    return null;
  }
}
