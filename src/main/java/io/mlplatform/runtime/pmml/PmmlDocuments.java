package io.mlplatform.runtime.pmml;

import io.mlplatform.mcp.McpException;

import javax.xml.XMLConstants;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * PMML documents are read without any DTD: the platform's own StAX readers have DTDs and external entities off, and
 * pmml4s (whose parser resolves external DTDs and cannot be configured) only ever gets a document without a
 * DOCTYPE, so it has no entity to resolve.
 */
public final class PmmlDocuments {
  private PmmlDocuments() {
  }

  /** A StAX factory that reads no DTD, resolves no external entity and fetches nothing. */
  public static XMLInputFactory secureFactory() {
    XMLInputFactory factory = XMLInputFactory.newFactory();
    factory.setProperty(XMLInputFactory.SUPPORT_DTD, false);
    factory.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
    factory.setProperty(XMLInputFactory.IS_REPLACING_ENTITY_REFERENCES, false);
    factory.setProperty(XMLConstants.ACCESS_EXTERNAL_DTD, "");
    factory.setXMLResolver((publicId, systemId, base, namespace) -> {
      throw new XMLStreamException("external resources are not read: " + systemId);
    });
    return factory;
  }

  /** Fails with invalid_argument when the document declares a DOCTYPE (in any encoding the reader detects). */
  public static void requireNoDoctype(byte[] document) {
    if (new String(document, StandardCharsets.ISO_8859_1).toUpperCase(Locale.ROOT).contains("<!DOCTYPE")) {
      throw refused();
    }
    try {
      XMLStreamReader xml = secureFactory().createXMLStreamReader(new ByteArrayInputStream(document));
      // a DOCTYPE can only come before the root element
      while (xml.hasNext()) {
        int event = xml.next();
        if (event == XMLStreamConstants.DTD) {
          throw refused();
        }
        if (event == XMLStreamConstants.START_ELEMENT) {
          return;
        }
      }
    } catch (XMLStreamException e) {
      throw McpException.invalidField("file", "not a well-formed PMML document: " + e.getMessage().lines()
          .findFirst().orElse("unreadable"));
    }
  }

  /** Whether a StAX event is a DOCTYPE: the upload check refuses it as it streams. */
  public static void refuseDtd(int event) {
    if (event == XMLStreamConstants.DTD) {
      throw refused();
    }
  }

  /** The bytes of a PMML file read in full, checked. */
  public static byte[] readChecked(InputStream in) throws java.io.IOException {
    byte[] bytes = in.readAllBytes();
    requireNoDoctype(bytes);
    return bytes;
  }

  private static McpException refused() {
    return McpException.invalidField("file", "a PMML document may not declare a DOCTYPE (no DTD or entity is read)");
  }
}
