package io.mlplatform.mcp;

/** The closed set of error codes an MCP response may carry, each with the HTTP status the gateway gives it. */
public enum ErrorCode {
  INVALID_ARGUMENT(400),
  UNAUTHENTICATED(401),
  PERMISSION_DENIED(403),
  NOT_FOUND(404),
  CONFLICT(409),
  PAYLOAD_TOO_LARGE(413),
  INTERNAL(500),
  /** A provider behind the platform (e.g. an LLM API) refused or failed. */
  UPSTREAM_ERROR(502),
  UNAVAILABLE(503),
  DEADLINE_EXCEEDED(504);

  private final int httpStatus;

  ErrorCode(int httpStatus) {
    this.httpStatus = httpStatus;
  }

  public int httpStatus() {
    return httpStatus;
  }

  /** The wire name, e.g. {@code invalid_argument}. */
  public String wireName() {
    return name().toLowerCase();
  }

  public static ErrorCode fromWire(String name) {
    if (name == null) {
      return INTERNAL;
    }
    try {
      return valueOf(name.toUpperCase());
    } catch (IllegalArgumentException e) {
      return INTERNAL;
    }
  }
}
