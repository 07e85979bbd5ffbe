package io.mlplatform.runtime.pmml;

import io.mlplatform.mcp.McpException;
import io.mlplatform.runtime.ModelFormat;
import io.mlplatform.runtime.SparkScorer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.InputStream;
import java.util.Objects;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * PMML documents: inspected as they stream (no DTD, see {@link PmmlDocuments}), served online with pmml4s
 * ({@link PmmlModel}), scored in Spark by {@link PmmlScoring}.
 */
public final class PmmlFormat implements ModelFormat {
  public static final String NAME = "pmml";

  @Override
  public String name() {
    return NAME;
  }

  /**
   * The DataDictionary's fields, active mining fields as inputs and target/predicted ones as outputs; read with StAX
   * as the upload streams, without building the model.
   */
  @Override
  public JsonObject inspect(InputStream artifact, long size) {
    JsonObject types = new JsonObject();
    JsonArray inputs = new JsonArray();
    JsonArray outputs = new JsonArray();
    String modelElement = null;
    String version = null;
    boolean root = true;
    try {
      XMLStreamReader xml = PmmlDocuments.secureFactory().createXMLStreamReader(artifact);
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
      throw McpException.invalidField("file", "not a well-formed PMML document: "
          + Objects.requireNonNullElse(e.getMessage(), "unreadable").lines().findFirst().orElse(""));
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

  @Override
  public Loader loader() {
    return (version, artifact, serving) -> PmmlModel.load(artifact, serving.workers());
  }

  /** Made when asked: its class loads Spark's, which the servers' event loops need not. */
  @Override
  public SparkScorer sparkScorer() {
    return new PmmlScoring();
  }
}
