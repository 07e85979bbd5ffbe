package io.mlplatform.runtime.spark;

import io.mlplatform.mcp.McpException;
import io.mlplatform.runtime.ModelFormat;
import io.mlplatform.runtime.SparkScorer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;

/**
 * Spark ML pipelines, saved and zipped: they score in batch executions ({@link PipelineScoring}); one trained here
 * serves online through its ONNX export ({@link OnnxExport}), when its stages have one. Scoring one row through Spark
 * costs 100–400 ms, so a pipeline itself never serves online.
 */
public final class SparkFormat implements ModelFormat {
  public static final String NAME = "spark";

  @Override
  public String name() {
    return NAME;
  }

  /** The zip must hold the pipeline's metadata/part-00000…, which names its class and Spark version. */
  @Override
  public JsonObject inspect(InputStream artifact, long size) throws IOException {
    ZipLimits limits = new ZipLimits(size);
    JsonObject found = null;
    try (ZipInputStream zip = new ZipInputStream(artifact)) {
      boolean anyEntry = false;
      for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
        anyEntry = true;
        String name = entry.getName();
        limits.checkEntry(name);
        if (found != null) {
          // every entry is read to the end: its real size counts, not what its header claims
          limits.drain(zip);
          continue;
        }
        // the pipeline's own metadata, at the top or under one folder (stages have theirs deeper down)
        // Spark 4 names it part-00000-<uuid>-c000.txt
        if (name.matches("([^/]+/)?metadata/part-00000[^/]*") && !name.endsWith(".crc")) {
          byte[] head = zip.readNBytes(1 << 20);
          limits.count(head.length);
          limits.drain(zip);
          String firstLine = new String(head, StandardCharsets.UTF_8).lines().findFirst().orElse("");
          JsonObject metadata;
          try {
            metadata = new JsonObject(firstLine);
          } catch (DecodeException e) {
            throw McpException.invalidField("file", "the pipeline's metadata/part-00000 is not JSON");
          }
          found = new JsonObject()
              .put("signature", new JsonObject().put("inputs", new JsonArray()).put("outputs", new JsonArray()))
              .put("details", new JsonObject().put("class", metadata.getString("class"))
                  .put("spark_version", metadata.getString("sparkVersion")));
          continue;
        }
        limits.drain(zip);
      }
      if (found != null) {
        return found;
      }
      throw McpException.invalidField("file", anyEntry
          ? "not a saved Spark ML pipeline: the zip has no metadata/part-00000"
          : "not a zip archive of a saved Spark ML pipeline");
    } catch (ZipException e) {
      throw McpException.invalidField("file", "not a zip archive: " + e.getMessage());
    }
  }

  @Override
  public boolean exportsToOnnx() {
    return true;
  }

  /** Reached only without an export (a version with one serves as ONNX): says why it has none. */
  @Override
  public void checkServable(JsonObject version, Map<String, String> environment) {
    JsonObject onnx = version.getJsonObject("onnx", new JsonObject());
    throw McpException.invalidField("version", "version " + version.getInteger("version")
        + " is a Spark pipeline without an ONNX export" + (onnx.getString("reason") == null ? ""
        : " (" + onnx.getString("reason") + ")") + "; it scores in batch executions");
  }

  /** Made when asked: its class loads Spark's, which the servers' event loops need not. */
  @Override
  public SparkScorer sparkScorer() {
    return new PipelineScoring();
  }

  /** Batch scoring unzips a pipeline for s3a (see Pipelines.load). */
  @Override
  public String derivedPrefix(String sha256) {
    return Pipelines.unzippedPrefix(sha256);
  }
}
