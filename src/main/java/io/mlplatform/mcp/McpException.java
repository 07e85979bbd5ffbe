package io.mlplatform.mcp;

import io.vertx.core.json.JsonObject;

/** The one error type of the platform: a code from the closed set, a message for people and optional details. */
public final class McpException extends RuntimeException {
  private final ErrorCode code;
  private final JsonObject details;

  public McpException(ErrorCode code, String message) {
    this(code, message, null);
  }

  public McpException(ErrorCode code, String message, JsonObject details) {
    super(message, null, false, false);
    this.code = code;
    this.details = details == null ? new JsonObject() : details;
  }

  public ErrorCode code() {
    return code;
  }

  public JsonObject details() {
    return details;
  }

  public JsonObject toJson() {
    return new JsonObject().put("code", code.wireName()).put("message", getMessage()).put("details", details);
  }

  public static McpException fromJson(JsonObject error) {
    return new McpException(ErrorCode.fromWire(error.getString("code")),
        error.getString("message", "error"), error.getJsonObject("details"));
  }

  public static McpException invalid(String message) {
    return new McpException(ErrorCode.INVALID_ARGUMENT, message);
  }

  public static McpException invalidField(String field, String message) {
    return new McpException(ErrorCode.INVALID_ARGUMENT, field + ": " + message, new JsonObject().put("field", field));
  }

  public static McpException notFound(String message) {
    return new McpException(ErrorCode.NOT_FOUND, message);
  }

  public static McpException conflict(String message) {
    return new McpException(ErrorCode.CONFLICT, message);
  }

  /** Keeps an McpException as it is; anything else is an internal fault. */
  public static McpException wrap(Throwable t) {
    if (t instanceof McpException e) {
      return e;
    }
    return new McpException(ErrorCode.INTERNAL, "internal error: " + t);
  }
}
