package io.mlplatform.model;

import io.mlplatform.mcp.Caller;
import io.mlplatform.mcp.Payload;
import io.mlplatform.storage.StoredObject;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Models, their immutable numbered versions and their aliases: what the model server does, whoever asks. Answers are
 * the documents the API shows; a failure is an {@link io.mlplatform.mcp.McpException}. {@link ModelServerVerticle}
 * binds it to the {@code model.*} operations of the platform's envelopes.
 */
public interface ModelRegistry {
  /**
   * A version to record. A format with files brings {@code artifact} (already in the object store; it is checked and
   * read by its format) and perhaps an ONNX export of it; a format that is a configuration (llm) reads its fields
   * from {@code request}, and may check what {@code caller} is allowed. {@code caller} is who made it (null: the
   * platform itself).
   */
  record NewVersion(String format, String description, JsonObject params, JsonObject metrics, JsonObject source,
                    StoredObject artifact, OnnxExport onnx, Payload request, Caller caller) {
  }

  /**
   * The ONNX export a training made of a version: its file (in the object store) and class labels, or the reason
   * there is none ({@code artifact} null).
   */
  record OnnxExport(StoredObject artifact, JsonArray labels, String unsupported) {
  }

  /** Reports kept about a version, appended to it after it is made (the version itself does not change). */
  enum Report {
    /** An evaluation: dataset, version, execution, metrics. */
    EVALUATION("evaluations"),
    /** A drift report of the version's traffic against a baseline. */
    DRIFT("drift_reports");

    final String field;

    Report(String field) {
      this.field = field;
    }
  }

  Future<JsonObject> create(String name, String description, JsonObject tags);

  /** A page of models, those whose name or description holds {@code search} when it is not null. */
  Future<JsonObject> list(String search, int limit, int offset);

  Future<JsonObject> get(String name);

  /** Changes the description and tags given (null: left as they are). */
  Future<JsonObject> update(String name, String description, JsonObject tags);

  /** Deletes a model, its versions and their files (and what formats derived from them, once nothing holds them). */
  Future<JsonObject> delete(String name);

  /**
   * Checks a version (its fields, its artifact as its format reads it, its ONNX export) and records it under the next
   * number. Whatever fails, its uploaded files are removed: nothing is left behind.
   */
  Future<JsonObject> createVersion(String name, NewVersion version);

  Future<JsonObject> versions(String name);

  /** The version {@code ref} names: a number, an alias of the model, or "latest". */
  Future<JsonObject> version(String name, String ref);

  /** Appends a report about a version to its list of that kind; answers the version with it. */
  Future<JsonObject> addReport(String name, String ref, Report kind, JsonObject report);

  /** Points an alias at a version (moving it if it pointed elsewhere). */
  Future<JsonObject> setAlias(String name, String alias, int version);

  Future<JsonObject> deleteAlias(String name, String alias);
}
