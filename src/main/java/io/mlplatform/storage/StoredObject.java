package io.mlplatform.storage;

import io.vertx.core.json.JsonObject;

/** A reference to an object in the object store, with what the upload learnt of it. */
public record StoredObject(String bucket, String key, long size, String sha256, String contentType, String filename) {

  public JsonObject toJson() {
    return new JsonObject().put("bucket", bucket).put("key", key).put("size", size).put("sha256", sha256)
        .put("content_type", contentType).put("filename", filename);
  }

  public static StoredObject fromJson(JsonObject json) {
    return new StoredObject(json.getString("bucket"), json.getString("key"), json.getLong("size", 0L),
        json.getString("sha256"), json.getString("content_type"), json.getString("filename"));
  }
}
