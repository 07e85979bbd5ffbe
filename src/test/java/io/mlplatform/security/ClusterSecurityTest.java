package io.mlplatform.security;

import io.mlplatform.Node;
import io.mlplatform.support.Api;
import io.mlplatform.support.TestNodes;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("slow")
@DisplayName("The cluster listens where it is told and takes only members that know its secret")
class ClusterSecurityTest {
  @TempDir
  Path dir;
  private final TestNodes.Cluster cluster = TestNodes.cluster(3);

  /** Settings of the cluster's node number {@code node} with these roles and this secret. */
  private Map<String, String> member(int node, String roles, String secret, Map<String, String> extra) {
    Map<String, String> settings = new HashMap<>(cluster.node(node, roles, extra));
    settings.put("MLP_CLUSTER_SECRET", secret);
    return settings;
  }

  @Test
  @DisplayName("with TLS from PEM files nodes talk over an encrypted bus, and a node without the certificate cannot")
  void tlsEventBus() throws Exception {
    io.vertx.core.net.SelfSignedCertificate certificate = io.vertx.core.net.SelfSignedCertificate.create("localhost");
    Map<String, String> tls = Map.of("MLP_CLUSTER_TLS_CERT", certificate.certificatePath(),
        "MLP_CLUSTER_TLS_KEY", certificate.privateKeyPath());
    String secret = "a-shared-secret-for-tls";
    Node servers = TestNodes.start(dir.resolve("a"), member(0, "model,data", secret, tls));
    Node front = null;
    Node plain = null;
    try {
      Map<String, String> shared = new HashMap<>(tls);
      shared.put("MLP_MONGO_URI", servers.mongoUri());
      shared.put("MLP_S3_ENDPOINT", servers.s3Endpoint());
      front = TestNodes.start(dir.resolve("b"), member(1, "gateway,hub", secret, shared));
      Api.Response created = new Api(front.httpPort()).postJson("/api/models", new JsonObject().put("name", "over-tls"));
      assertThat(created.status()).as(created.text()).isEqualTo(201);
      plain = TestNodes.start(dir.resolve("c"), member(2, "gateway,hub", secret, Map.of("MLP_MONGO_URI",
          servers.mongoUri(), "MLP_S3_ENDPOINT", servers.s3Endpoint(), "MLP_REQUEST_TIMEOUT_MS", "3000")));
      Api.Response refused = new Api(plain.httpPort()).postJson("/api/models", new JsonObject().put("name", "in-clear"));
      assertThat(refused.status()).as(refused.text()).isGreaterThanOrEqualTo(500);
      plain.close();
      plain = null;
      assertThat(new Api(front.httpPort()).get("/api/models/in-clear").status()).isEqualTo(404);
    } finally {
      for (Node node : new Node[]{plain, front, servers}) {
        if (node != null) {
          node.close();
        }
      }
      certificate.delete();
    }
  }

  /** This machine's first non-loopback IPv4 address, if it has one. */
  private static InetAddress otherInterface() throws Exception {
    for (NetworkInterface network : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      for (InetAddress address : Collections.list(network.getInetAddresses())) {
        if (address instanceof Inet4Address && !address.isLoopbackAddress() && network.isUp()) {
          return address;
        }
      }
    }
    return null;
  }

  @Test
  @DisplayName("Hazelcast on 127.0.0.1 is not reachable on another interface; a node with another secret does not join")
  void boundAndSecret() throws Exception {
    Node servers = TestNodes.start(dir.resolve("a"), member(0, "model,data", "the-first-cluster-secret", Map.of()));
    Node stranger = null;
    try {
      try (Socket loopback = new Socket()) {
        loopback.connect(new InetSocketAddress("127.0.0.1", cluster.port(0)), 2000);
      }
      InetAddress other = otherInterface();
      if (other != null) {
        assertThatThrownBy(() -> {
          try (Socket outside = new Socket()) {
            outside.connect(new InetSocketAddress(other, cluster.port(0)), 2000);
          }
        }).as("Hazelcast reached on " + other).isInstanceOf(java.io.IOException.class);
      }
      Map<String, String> stores = Map.of("MLP_MONGO_URI", servers.mongoUri(), "MLP_S3_ENDPOINT", servers.s3Endpoint());
      stranger = TestNodes.start(dir.resolve("b"), member(1, "gateway,hub", "another-secret-entirely", stores));
      Api api = new Api(stranger.httpPort());
      Api.Response refused = api.postJson("/api/models", new JsonObject().put("name", "joined"));
      assertThat(refused.status()).as(refused.text()).isEqualTo(503);
      Assumptions.assumeTrue(other != null, "no other interface to try Hazelcast on");
    } finally {
      if (stranger != null) {
        stranger.close();
      }
      servers.close();
    }
  }
}
