package io.mlplatform.support;

import io.mlplatform.Node;
import io.mlplatform.node.Settings;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Starts real platform nodes for tests: embedded MongoDB and S3 servers on free loopback ports, HTTP on a free port. */
public final class TestNodes {
  private TestNodes() {
  }

  /** Hazelcast ports for a cluster of loopback nodes, each chosen free when the cluster is made. */
  public record Cluster(List<Integer> ports) {
    /** The member list naming every node of the cluster. */
    public String members() {
      return ports.stream().map(port -> "127.0.0.1:" + port).collect(Collectors.joining(","));
    }

    public int port(int node) {
      return ports.get(node);
    }

    /** Settings of the cluster's node number {@code node} (from 0) with these roles. */
    public Map<String, String> node(int node, String roles, Map<String, String> extra) {
      return clustered(roles, port(node), members(), extra);
    }
  }

  public static Cluster cluster(int nodes) {
    List<Integer> ports = new ArrayList<>();
    while (ports.size() < nodes) {
      int port = freePort();
      if (!ports.contains(port)) {
        ports.add(port);
      }
    }
    return new Cluster(List.copyOf(ports));
  }

  /** A TCP port free on loopback now, for a server that is told its port. */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The first of {@code count} consecutive ports free on loopback now, for a script that numbers its servers' ports. */
  public static int freeConsecutivePorts(int count) {
    for (int attempt = 0; attempt < 100; attempt++) {
      int first = freePort();
      if (first + count <= 65_536 && freeFrom(first + 1, count - 1)) {
        return first;
      }
    }
    throw new IllegalStateException("no " + count + " consecutive free ports found");
  }

  private static boolean freeFrom(int first, int count) {
    for (int port = first; port < first + count; port++) {
      try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        socket.setReuseAddress(true);
      } catch (IOException e) {
        return false;
      }
    }
    return true;
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
