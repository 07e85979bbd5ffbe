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
  /** Published on every change to a deployment: every node reconciles, every gateway reads the traffic splits. */
  public static final String DEPLOYMENT_EVENTS = EVENTS_PREFIX + "deployments";

  /**
   * Where a deployment's replicas serve: every replica of it, on any node, consumes here (with a traffic split,
   * those of its first entry; see {@link #deploymentLane}).
   */
  public static String deployment(String name) {
    return "mcp.deployment." + name;
  }

  /**
   * Where the replicas of entry {@code index} of a deployment's traffic split serve: the first entry's are the
   * deployment's own address, so a gateway that does not know the split yet sends everything there.
   */
  public static String deploymentLane(String name, int index) {
    return index == 0 ? deployment(name) : deployment(name) + "/traffic/" + index;
  }

  /** Where the replicas of a deployment's shadow version serve: mirrored requests, whose answers nobody sees. */
  public static String deploymentShadow(String name) {
    return deployment(name) + "/shadow";
  }

  /** Where every replica of one version of a deployment serves too (requests naming the version). */
  public static String deploymentVersion(String name, int version) {
    return deployment(name) + "@" + version;
  }

  private Addresses() {
  }
}
