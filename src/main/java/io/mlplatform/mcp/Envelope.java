package io.mlplatform.mcp;

import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The MCP envelope: every message between components, exactly the seed's fields.
 * It travels on the event bus as its JSON form ({@link #toJson()} / {@link #fromJson(JsonObject)}).
 */
public record Envelope(String mcpVersion, String messageId, String timestamp, Party sender, Party recipient,
                       String messageType, String operation, JsonObject payload, JsonObject metadata) {

  public static final String VERSION = "1.0";
  public static final String REQUEST = "request";
  public static final String RESPONSE = "response";
  public static final String EVENT = "event";

  /** Who sends or receives a message: an id and a component type. */
  public record Party(String id, String type) {
    public JsonObject toJson() {
      return new JsonObject().put("id", id).put("type", type);
    }

    static Party fromJson(JsonObject json, String field) {
      if (json == null) {
        throw McpException.invalid("envelope: " + field + " is required");
      }
      return new Party(json.getString("id"), json.getString("type"));
    }
  }

  /** A millisecond and its ISO-8601 text. */
  private record Stamp(long millis, String text) {
  }

  /** The last millisecond stamped on this thread: an envelope is stamped thousands of times a second. */
  private static final ThreadLocal<Stamp> LAST_STAMP = ThreadLocal.withInitial(() -> new Stamp(-1, ""));

  /** The current time as ISO-8601 text, to the millisecond. */
  static String now() {
    long millis = System.currentTimeMillis();
    Stamp last = LAST_STAMP.get();
    if (last.millis() != millis) {
      last = new Stamp(millis, Instant.ofEpochMilli(millis).toString());
      LAST_STAMP.set(last);
    }
    return last.text();
  }

  /** A random (version 4) UUID from a thread-local generator: message ids need uniqueness, not secrecy. */
  static String newId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long high = (random.nextLong() & ~0xF000L) | 0x4000L;
    long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(high, low).toString();
  }

  public static Envelope request(Party sender, Party recipient, String operation, JsonObject payload) {
    return new Envelope(VERSION, newId(), now(), sender, recipient,
        REQUEST, operation, payload == null ? new JsonObject() : payload, new JsonObject());
  }

  public static Envelope event(Party sender, String operation, JsonObject payload) {
    return new Envelope(VERSION, newId(), now(), sender,
        new Party("*", "broadcast"), EVENT, operation, payload, new JsonObject());
  }

  /** The successful answer to this request, from {@code responder}. */
  public Envelope resultFrom(Party responder, JsonObject result) {
    return response(responder, new JsonObject().put("result", result));
  }

  /** The failed answer to this request, from {@code responder}. */
  public Envelope errorFrom(Party responder, McpException error) {
    return response(responder, new JsonObject().put("error", error.toJson()));
  }

  private Envelope response(Party responder, JsonObject payload) {
    return new Envelope(VERSION, newId(), now(), responder, sender,
        RESPONSE, operation, payload, new JsonObject().put("correlation_id", messageId));
  }

  /** The same request addressed to someone else (the hub forwarding it); ids and payload stay. */
  public Envelope forwardedTo(Party newRecipient) {
    return new Envelope(mcpVersion, messageId, timestamp, sender, newRecipient, messageType, operation, payload, metadata);
  }

  /** This request on behalf of {@code caller} (in {@code metadata.caller}); a null caller leaves it as it is. */
  public Envelope onBehalfOf(Caller caller) {
    if (caller == null) {
      return this;
    }
    return new Envelope(mcpVersion, messageId, timestamp, sender, recipient, messageType, operation, payload,
        metadata.copy().put("caller", caller.toJson()));
  }

  /** Who this request is on behalf of, or null when nobody said (a platform component's own request). */
  public Caller caller() {
    return Caller.fromJson(metadata.getJsonObject("caller"));
  }

  public boolean isError() {
    return payload.containsKey("error");
  }

  public McpException error() {
    return McpException.fromJson(payload.getJsonObject("error"));
  }

  public JsonObject result() {
    return payload.getJsonObject("result", new JsonObject());
  }

  public String correlationId() {
    return metadata.getString("correlation_id");
  }

  public JsonObject toJson() {
    return new JsonObject()
        .put("mcp_version", mcpVersion)
        .put("message_id", messageId)
        .put("timestamp", timestamp)
        .put("sender", sender.toJson())
        .put("recipient", recipient.toJson())
        .put("message_type", messageType)
        .put("operation", operation)
        .put("payload", payload)
        .put("metadata", metadata);
  }

  public static Envelope fromJson(JsonObject json) {
    if (json == null) {
      throw McpException.invalid("envelope: body must be a JSON object");
    }
    String version = json.getString("mcp_version");
    if (!VERSION.equals(version)) {
      throw McpException.invalid("envelope: unsupported mcp_version " + version);
    }
    String operation = json.getString("operation");
    if (operation == null || operation.isBlank()) {
      throw McpException.invalid("envelope: operation is required");
    }
    return new Envelope(version, json.getString("message_id"), json.getString("timestamp"),
        Party.fromJson(json.getJsonObject("sender"), "sender"),
        Party.fromJson(json.getJsonObject("recipient"), "recipient"),
        json.getString("message_type", REQUEST), operation,
        json.getJsonObject("payload", new JsonObject()), json.getJsonObject("metadata", new JsonObject()));
  }
}
