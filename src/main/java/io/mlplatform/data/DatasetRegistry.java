package io.mlplatform.data;

import io.mlplatform.formats.Inspection;
import io.mlplatform.storage.StoredObject;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * Datasets and their immutable versions: what the data server does, whoever asks. Answers are the documents the API
 * shows; a failure is an {@link io.mlplatform.mcp.McpException}. {@link DataServerVerticle} binds it to the
 * {@code dataset.*} operations of the platform's envelopes.
 */
public interface DatasetRegistry {
  /**
   * A file the gateway already streamed to the object store, with the schema it read on the way, to be recorded as
   * a version. {@code createdBy} names who uploaded it (null: the platform itself).
   */
  record Upload(StoredObject artifact, Inspection inspection, JsonObject lineage, String createdBy) {
  }

  /** A new dataset with {@code first} as its version 1; on failure neither it nor the uploaded file remains. */
  Future<JsonObject> create(String name, Upload first, String description, JsonObject tags);

  /** The dataset's next version; on failure the uploaded file does not remain. */
  Future<JsonObject> addVersion(String name, Upload upload);

  /** A page of datasets, those whose name or description holds {@code search} when it is not null. */
  Future<JsonObject> list(String search, int limit, int offset);

  /** A dataset with its versions. */
  Future<JsonObject> get(String name);

  /** Deletes a dataset, its versions and their files. */
  Future<JsonObject> delete(String name);

  Future<JsonObject> versions(String name);

  /** The version {@code ref} names: a number or "latest". */
  Future<JsonObject> version(String name, String ref);

  /** A version's schema and first {@code limit} rows. */
  Future<JsonObject> preview(String name, String ref, int limit);
}
