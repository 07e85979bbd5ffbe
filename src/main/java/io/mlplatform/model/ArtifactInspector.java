package io.mlplatform.model;

import ai.onnxruntime.MapInfo;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.SequenceInfo;
import ai.onnxruntime.TensorInfo;
import ai.onnxruntime.ValueInfo;
import io.mlplatform.mcp.McpException;
import io.mlplatform.runtime.pmml.PmmlDocuments;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipInputStream;

/**
 * Checks that an artifact is a valid model of its format and reads its signature (inputs and outputs with names,
 * types and shapes) from the file itself. Blocking: runs on a worker thread.
 */
final class ArtifactInspector {
  private ArtifactInspector() {
  }

  /** {signature: {inputs, outputs}, details: {...}} of the artifact, or an invalid_argument saying why it is not one. */
  static JsonObject inspect(String format, InputStream artifact) throws IOException {
    return inspect(format, artifact, -1);
  }

  /** {@code size} is the artifact's stored size (bounds how far a zip may expand), or -1. */
  static JsonObject inspect(String format, InputStream artifact, long size) throws IOException {
    return switch (format) {
      case "onnx" -> onnx(artifact);
      case "pmml" -> pmml(artifact);
      case "spark" -> sparkPipeline(artifact, size);
      default -> throw McpException.invalidField("format", "unsupported format '" + format + "'");
    };
  }

  private static JsonObject onnx(InputStream artifact) throws IOException {
    Path file = Files.createTempFile("mlp-model-", ".onnx");
    try {
      Files.copy(artifact, file, StandardCopyOption.REPLACE_EXISTING);
      OrtEnvironment environment = OrtEnvironment.getEnvironment();
      try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
           OrtSession session = environment.createSession(file.toString(), options)) {
        JsonObject signature = new JsonObject()
            .put("inputs", describe(session.getInputInfo()))
            .put("outputs", describe(session.getOutputInfo()));
        ai.onnxruntime.OnnxModelMetadata metadata = session.getMetadata();
        JsonObject details = new JsonObject()
            .put("producer", metadata.getProducerName())
            .put("graph", metadata.getGraphName())
            .put("domain", metadata.getDomain())
            .put("model_version", metadata.getVersion());
        return new JsonObject().put("signature", signature).put("details", details);
      } catch (OrtException e) {
        // the runtime's message names the temporary file: keep only its reason
        throw McpException.invalidField("file", "not a valid ONNX model: "
            + firstLine(e.getMessage()).replaceAll("Load model from \\S+ failed:", ""));
      }
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private static JsonArray describe(Map<String, NodeInfo> nodes) {
    JsonArray described = new JsonArray();
    nodes.values().forEach(node -> described.add(describe(node.getName(), node.getInfo())));
    return described;
  }

  private static JsonObject describe(String name, ValueInfo info) {
    JsonObject value = new JsonObject().put("name", name);
    if (info instanceof TensorInfo tensor) {
      JsonArray shape = new JsonArray();
      for (long dimension : tensor.getShape()) {
        shape.add(dimension);
      }
      return value.put("kind", "tensor").put("type", tensor.type.toString().toLowerCase()).put("shape", shape);
    }
    if (info instanceof SequenceInfo sequence) {
      return value.put("kind", "sequence").put("type", sequence.toString());
    }
    if (info instanceof MapInfo map) {
      return value.put("kind", "map").put("type", map.keyType + "->" + map.valueType);
    }
    return value.put("kind", "unknown").put("type", String.valueOf(info));
  }

  /** PMML: the DataDictionary's fields, active mining fields as inputs and target/predicted ones as outputs. */
  private static JsonObject pmml(InputStream artifact) {
    XMLInputFactory factory = PmmlDocuments.secureFactory();
    JsonObject types = new JsonObject();
    JsonArray inputs = new JsonArray();
    JsonArray outputs = new JsonArray();
    String modelElement = null;
    String version = null;
    boolean root = true;
    try {
      XMLStreamReader xml = factory.createXMLStreamReader(artifact);
      while (xml.hasNext()) {
        int event = xml.next();
        PmmlDocuments.refuseDtd(event);
        if (event != XMLStreamConstants.START_ELEMENT) {
          continue;
        }
        String element = xml.getLocalName();
        if (root) {
          if (!"PMML".equals(element)) {
            throw McpException.invalidField("file", "not a PMML document: the root element is <" + element + ">");
          }
          version = xml.getAttributeValue(null, "version");
          root = false;
        } else if ("DataField".equals(element)) {
          types.put(xml.getAttributeValue(null, "name"), xml.getAttributeValue(null, "dataType"));
        } else if ("MiningField".equals(element) && modelElement != null) {
          String field = xml.getAttributeValue(null, "name");
          String usage = xml.getAttributeValue(null, "usageType");
          JsonObject described = new JsonObject().put("name", field).put("type", types.getString(field));
          if (usage == null || "active".equals(usage)) {
            inputs.add(described);
          } else if ("target".equals(usage) || "predicted".equals(usage)) {
            outputs.add(described);
          }
        } else if (modelElement == null && element.endsWith("Model")) {
          modelElement = element;
        }
      }
    } catch (XMLStreamException e) {
      throw McpException.invalidField("file", "not a well-formed PMML document: " + firstLine(e.getMessage()));
    }
    if (root) {
      throw McpException.invalidField("file", "not a PMML document: no root element");
    }
    if (modelElement == null) {
      throw McpException.invalidField("file", "the PMML document holds no model element");
    }
    return new JsonObject()
        .put("signature", new JsonObject().put("inputs", inputs).put("outputs", outputs))
        .put("details", new JsonObject().put("pmml_version", version).put("model_type", modelElement));
  }

  /** A Spark ML pipeline saved with save() and zipped: it must hold metadata/part-00000… naming its class. */
  private static JsonObject sparkPipeline(InputStream artifact, long size) throws IOException {
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

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
