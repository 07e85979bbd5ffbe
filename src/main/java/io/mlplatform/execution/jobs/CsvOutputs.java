package io.mlplatform.execution.jobs;

import io.mlplatform.formats.Inspection;
import io.mlplatform.formats.TabularFiles;
import io.mlplatform.formats.TabularFormat;
import io.mlplatform.mcp.ErrorCode;
import io.mlplatform.mcp.McpException;
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

/** Writes a Spark result as one CSV object and records it as a version of a dataset (created when missing). */
final class CsvOutputs {
  private final ObjectStore objects;

  CsvOutputs(ObjectStore objects) {
    this.objects = objects;
  }

  /** Writes one CSV object, reads it back once for its schema, size and sha256, and records it as a dataset version. */
  JsonObject write(JobContext job, Dataset<Row> data, String bucket, String name, JsonObject lineage) throws Exception {
    String prefix = "executions/" + job.id() + "/" + name + "-" + UUID.randomUUID().toString().substring(0, 8);
    data.coalesce(1).write().mode(SaveMode.ErrorIfExists).option("header", "true")
        .csv("s3a://" + bucket + "/" + prefix);
    String key = objects.keysBlocking(bucket, prefix + "/").stream()
        .filter(k -> k.endsWith(".csv")).findFirst()
        .orElseThrow(() -> new McpException(ErrorCode.INTERNAL, "Spark wrote no CSV part under " + prefix));
    for (String other : objects.keysBlocking(bucket, prefix + "/")) {
      if (!other.equals(key)) {
        objects.removeBlocking(bucket, other);
      }
    }
    MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
    Inspection inspection;
    long size;
    try (InputStream raw = objects.openBlocking(bucket, key);
         CountingStream counting = new CountingStream(new DigestInputStream(raw, sha256))) {
      // the inspection reads the whole object (and closes it): size and digest are complete after it
      inspection = TabularFiles.inspect(counting, TabularFormat.CSV);
      size = counting.count;
    }
    StoredObject object = new StoredObject(bucket, key, size, HexFormat.of().formatHex(sha256.digest()),
        TabularFormat.CSV.contentType(), name + ".csv");
    JsonObject payload = new JsonObject().put("name", name).put("artifact", object.toJson())
        .put("inspection", inspection.toJson()).put("lineage", lineage);
    JsonObject recorded = record(job, name, payload);
    job.log("wrote " + name + " version " + recorded.getInteger("version") + ": " + inspection.rowCount() + " rows");
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
