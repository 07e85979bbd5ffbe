package io.mlplatform.mcp;

/** Event-bus addresses of the platform's components. */
public final class Addresses {
  public static final String HUB = "mcp.hub";
  public static final String MODEL_SERVER = "mcp.server.model";
  public static final String DATA_SERVER = "mcp.server.data";
  public static final String EXECUTION_SERVER = "mcp.server.execution";
  public static final String ACCESS_SERVER = "mcp.server.access";
  /** Published when an API key is deleted, so every gateway drops it from its cache (not bridged to browsers). */
  public static final String KEYS_REVOKED = "mcp.internal.keys.revoked";
  /** Prefix of every event address; the web console's bridge lets out only these. */
  public static final String EVENTS_PREFIX = "mcp.events.";

  /** Where a deployment's replicas serve: every replica of it, on any node, consumes here. */
  public static String deployment(String name) {
    return "mcp.deployment." + name;
  }

  private Addresses() {
  }
}
