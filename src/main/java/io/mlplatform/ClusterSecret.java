package io.mlplatform;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** The cluster's name, derived from the shared secret: a member that does not know the secret is not let in. */
final class ClusterSecret {
  private ClusterSecret() {
  }

  static String clusterName(String secret) {
    if (secret == null) {
      return "mlplatform";
    }
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256")
          .digest(("mlplatform-cluster:" + secret).getBytes(StandardCharsets.UTF_8));
      return "mlplatform-" + HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The address a host name resolves to (at start-up, before any event loop runs). */
  static String resolve(String host) {
    try {
      return InetAddress.getByName(host).getHostAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("MLP_CLUSTER_HOST=" + host + " does not resolve", e);
    }
  }
}
