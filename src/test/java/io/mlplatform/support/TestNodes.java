package io.mlplatform.support;

import io.mlplatform.Node;
import io.mlplatform.Settings;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Starts real platform nodes for tests: embedded MongoDB and S3 servers on free loopback ports, HTTP on a free port. */
public final class TestNodes {
  private TestNodes() {
  }

  /** Settings of a clustered node on loopback with these roles, Hazelcast on {@code port}, joining {@code members}. */
  public static Map<String, String> clustered(String roles, int port, String members, Map<String, String> extra) {
    Map<String, String> settings = new HashMap<>(extra);
    settings.put("MLP_ROLES", roles);
    settings.put("MLP_CLUSTER", "true");
    settings.put("MLP_CLUSTER_HOST", "127.0.0.1");
    settings.put("MLP_CLUSTER_PORT", Integer.toString(port));
    settings.put("MLP_CLUSTER_MEMBERS", members);
    return settings;
  }

  public static Node start(Path dataDir) throws Exception {
    return start(dataDir, Map.of());
  }

  /** A node with every role and the given settings (environment variable names) on top of the test defaults. */
  public static Node start(Path dataDir, Map<String, String> settings) throws Exception {
    Map<String, String> all = new HashMap<>();
    all.put("MLP_DATA_DIR", dataDir.toString());
    all.put("MLP_HTTP_PORT", "0");
    all.put("MLP_EMBEDDED_MONGO_PORT", "0");
    all.put("MLP_EMBEDDED_S3_PORT", "0");
    all.put("MLP_REQUEST_TIMEOUT_MS", "20000");
    all.putAll(settings);
    return Node.start(Settings.of(all));
  }
}
