package io.mlplatform.execution.jobs;

import io.mlplatform.formats.Inspection;
import io.mlplatform.formats.ParquetFiles;
import io.mlplatform.formats.TabularFiles;
import io.mlplatform.formats.TabularFormat;
import io.mlplatform.mcp.ErrorCode;
import io.mlplatform.mcp.McpException;
import io.mlplatform.storage.ObjectInputFile;
import io.mlplatform.storage.ObjectStore;
import io.mlplatform.storage.StoredObject;
import io.vertx.core.json.JsonObject;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;

import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.UUID;

/**
 * Writes a Spark result as one object, CSV or Parquet as the request asks ("output_format"), and records it as a
 * version of a dataset (created when missing).
 */
final class DatasetOutputs {
  private final ObjectStore objects;
  private final TabularFormat format;

  DatasetOutputs(ObjectStore objects, TabularFormat format) {
    this.objects = objects;
    this.format = format;
  }

  /** The output format a request names ("output_format": csv by default, or parquet); anything else is a 400. */
  static TabularFormat format(JsonObject request) {
    Object name = request.getValue("output_format", "csv");
    TabularFormat format = name instanceof String text ? TabularFormat.fromName(text) : null;
    if (format != TabularFormat.CSV && format != TabularFormat.PARQUET) {
      throw McpException.invalidField("output_format", "must be csv or parquet");
    }
    return format;
  }

  /**
   * Writes one object, reads it back once for its size and sha256 (and a CSV's schema; a Parquet file's comes from
   * its footer), and records it as a dataset version.
   */
  JsonObject write(JobContext job, Dataset<Row> data, String bucket, String name, JsonObject lineage) throws Exception {
    String prefix = "executions/" + job.id() + "/" + name + "-" + UUID.randomUUID().toString().substring(0, 8);
    String extension = "." + format.wireName();
    String path = "s3a://" + bucket + "/" + prefix;
    if (format == TabularFormat.PARQUET) {
      data.coalesce(1).write().mode(SaveMode.ErrorIfExists).parquet(path);
    } else {
      data.coalesce(1).write().mode(SaveMode.ErrorIfExists).option("header", "true").csv(path);
    }
    String key = objects.keysBlocking(bucket, prefix + "/").stream()
        .filter(k -> k.endsWith(extension)).findFirst()
        .orElseThrow(() -> new McpException(ErrorCode.INTERNAL, "Spark wrote no " + extension + " part under " + prefix));
    for (String other : objects.keysBlocking(bucket, prefix + "/")) {
      if (!other.equals(key)) {
        objects.removeBlocking(bucket, other);
      }
    }
    MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
    Inspection inspection = null;
    long size;
    try (InputStream raw = objects.openBlocking(bucket, key);
         CountingStream counting = new CountingStream(new DigestInputStream(raw, sha256))) {
      if (format == TabularFormat.CSV) {
        // the inspection reads the whole object: size and digest are complete after it
        inspection = TabularFiles.inspect(counting, TabularFormat.CSV);
      } else {
        counting.transferTo(java.io.OutputStream.nullOutputStream());
      }
      size = counting.count;
    }
    StoredObject object = new StoredObject(bucket, key, size, HexFormat.of().formatHex(sha256.digest()),
        format.contentType(), name + extension);
    if (inspection == null) {
      inspection = ParquetFiles.inspect(new ObjectInputFile(objects, object));
    }
    JsonObject payload = new JsonObject().put("name", name).put("artifact", object.toJson())
        .put("inspection", inspection.toJson()).put("lineage", lineage);
    JsonObject recorded = record(job, name, payload);
    job.log("wrote " + name + " version " + recorded.getInteger("version") + " (" + format.wireName() + "): "
        + inspection.rowCount() + " rows");
    return new JsonObject().put("dataset", name).put("version", recorded.getInteger("version"))
        .put("row_count", inspection.rowCount());
  }

  /** A new version of the output dataset, or the dataset itself when it does not exist yet. */
  private static JsonObject record(JobContext job, String name, JsonObject payload) throws Exception {
    boolean exists;
    try {
      job.call("dataset.get", new JsonObject().put("name", name));
      exists = true;
    } catch (java.util.concurrent.ExecutionException e) {
      if (!(e.getCause() instanceof McpException missing) || missing.code() != ErrorCode.NOT_FOUND) {
        throw e;
      }
      exists = false;
    }
    if (exists) {
      return job.call("dataset.version.create", payload);
    }
    return job.call("dataset.create", payload.copy().put("description", "written by execution " + job.id()))
        .getJsonObject("version");
  }

  /** Counts the bytes read through it. */
  private static final class CountingStream extends java.io.FilterInputStream {
    long count;

    CountingStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws java.io.IOException {
      int b = super.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws java.io.IOException {
      int n = super.read(buffer, offset, length);
      if (n > 0) {
        count += n;
      }
      return n;
    }
  }
}
