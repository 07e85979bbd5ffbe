package io.mlplatform.agents;

import io.mlplatform.formats.Inspection;
import io.mlplatform.formats.ParquetFiles;
import io.mlplatform.formats.TabularFiles;
import io.mlplatform.formats.TabularFormat;
import io.mlplatform.mcp.ErrorCode;
import io.mlplatform.mcp.McpException;
import io.mlplatform.storage.ObjectInputFile;
import io.mlplatform.storage.ObjectStore;
import io.mlplatform.storage.StoredObject;
import io.mlplatform.workflow.PlatformCalls;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * The upload_dataset tool: inline CSV, or an object already on the platform's S3 store, copied into the datasets
 * bucket and read for its schema and row count, then recorded as a dataset (or its next version) by the data server.
 * The store is called on worker threads. Whatever is refused leaves no object behind.
 */
final class DatasetUploads {
  static final int MAX_INLINE_CHARS = 16 * 1024 * 1024;

  private record Stored(StoredObject object, Inspection inspection) {
  }

  private final ObjectStore store;

  DatasetUploads(ObjectStore store) {
    this.store = store;
  }

  Future<JsonObject> upload(PlatformCalls calls, JsonObject args) {
    String name = args.getString("name");
    String csv = args.getString("csv");
    String url = args.getString("url");
    if ((csv == null) == (url == null)) {
      return Future.failedFuture(McpException.invalid("give the data either inline in 'csv' or as an object's 'url'"
          + " (s3://bucket/key), not " + (csv == null ? "neither" : "both")));
    }
    Future<Stored> stored;
    try {
      stored = csv != null ? inline(name, csv, format(args, "csv")) : copy(url, args);
    } catch (McpException e) {
      return Future.failedFuture(e);
    }
    // a refused record leaves no object: the data server removes what it refuses, this what it never took
    return stored.compose(object -> record(calls, name, args.getString("description"), object)
        .recover(failure -> store.remove(object.object()).transform(removed -> Future.failedFuture(failure))))
        .map(recorded -> new JsonObject().put("name", name)
            .put("version", recorded.containsKey("dataset") ? recorded : recorded.getJsonObject("version")));
  }

  private Future<Stored> inline(String name, String csv, TabularFormat format) {
    if (csv.isBlank()) {
      throw McpException.invalidField("csv", "is empty");
    }
    if (format == TabularFormat.PARQUET) {
      throw McpException.invalidField("format", "inline data is text: csv or jsonl (Parquet goes by url)");
    }
    byte[] bytes = csv.getBytes(StandardCharsets.UTF_8);
    String filename = name + "." + format.wireName();
    return store.blocking(() -> {
      Inspection inspection = TabularFiles.inspect(new ByteArrayInputStream(bytes), format);
      StoredObject object = store.putBlocking(ObjectStore.DATASETS, UUID.randomUUID() + "/" + filename,
          new ByteArrayInputStream(bytes), format.contentType(), filename);
      return new Stored(object, inspection);
    });
  }

  private Future<Stored> copy(String url, JsonObject args) {
    String path = url.substring("s3://".length());
    int slash = path.indexOf('/');
    if (slash <= 0 || slash == path.length() - 1) {
      throw McpException.invalidField("url", "must be s3://bucket/key (got '" + url.replaceAll("[^ -~]", "?") + "')");
    }
    String bucket = path.substring(0, slash);
    String key = path.substring(slash + 1);
    String filename = key.substring(key.lastIndexOf('/') + 1);
    TabularFormat format = args.containsKey("format") ? format(args, null) : TabularFormat.detect(filename, null);
    if (format == null) {
      throw McpException.invalidField("format", "cannot tell the format of '" + filename.replaceAll("[^ -~]", "?")
          + "': give format csv, jsonl or parquet");
    }
    String target = UUID.randomUUID() + "/" + filename.replaceAll("[^A-Za-z0-9._-]", "_");
    return store.blocking(() -> {
      Inspection inspection = format == TabularFormat.PARQUET ? null : inspect(bucket, key, format);
      StoredObject object;
      try (InputStream in = open(bucket, key)) {
        object = store.putBlocking(ObjectStore.DATASETS, target, in, format.contentType(), filename);
      }
      try {
        return new Stored(object, inspection != null ? inspection
            : ParquetFiles.inspect(new ObjectInputFile(store, object)));
      } catch (Exception e) {
        store.removeBlocking(object.bucket(), object.key());
        throw e;
      }
    });
  }

  private Inspection inspect(String bucket, String key, TabularFormat format) throws Exception {
    try (InputStream in = open(bucket, key)) {
      return TabularFiles.inspect(in, format);
    }
  }

  private InputStream open(String bucket, String key) {
    try {
      return store.openBlocking(bucket, key);
    } catch (Exception e) {
      throw McpException.invalidField("url", "no object s3://" + bucket + "/" + key + " on the platform's S3 store");
    }
  }

  /** A new dataset, or the next version of the one with this name. */
  private static Future<JsonObject> record(PlatformCalls calls, String name, String description, Stored stored) {
    JsonObject payload = new JsonObject().put("name", name).put("artifact", stored.object().toJson())
        .put("inspection", stored.inspection().toJson());
    return calls.operation("dataset.get", new JsonObject().put("name", name)).transform(found -> {
      if (found.succeeded()) {
        return calls.operation("dataset.version.create", payload);
      }
      if (McpException.wrap(found.cause()).code() != ErrorCode.NOT_FOUND) {
        return Future.failedFuture(found.cause());
      }
      return calls.operation("dataset.create", payload.put("description", description));
    });
  }

  private static TabularFormat format(JsonObject args, String fallback) {
    String named = args.getString("format", fallback);
    TabularFormat format = TabularFormat.fromName(named);
    if (format == null) {
      throw McpException.invalidField("format", "must be csv, jsonl or parquet");
    }
    return format;
  }
}
