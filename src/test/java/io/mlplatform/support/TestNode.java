package io.mlplatform.support;

import io.mlplatform.Node;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.stream.Stream;

/** A node started for tests (see {@link SharedNode}) in a data folder of its own, with an admin key. */
public record TestNode(Node node, Path dataDir, String adminKey) implements ExtensionContext.Store.CloseableResource {
  /** Starts a node with every role, the test defaults, an admin key and these settings on top. */
  static TestNode start(Map<String, String> settings) throws Exception {
    Path dataDir = Files.createTempDirectory("mlp-test-node");
    String adminKey = "test-admin-" + HexFormat.of().formatHex(randomBytes());
    Map<String, String> all = new HashMap<>(Map.of("MLP_ADMIN_KEY", adminKey));
    all.putAll(settings);
    try {
      return new TestNode(TestNodes.start(dataDir, all), dataDir, all.get("MLP_ADMIN_KEY"));
    } catch (Exception e) {
      delete(dataDir);
      throw e;
    }
  }

  /** The API's base URL, {@code http://127.0.0.1:<port>}. */
  public String url() {
    return "http://127.0.0.1:" + node.httpPort();
  }

  /** The API called without a key. */
  public Api api() {
    return new Api(node.httpPort());
  }

  /** The API called with the admin key. */
  public Api admin() {
    return api().withKey(adminKey);
  }

  private static byte[] randomBytes() {
    byte[] bytes = new byte[8];
    new SecureRandom().nextBytes(bytes);
    return bytes;
  }

  @Override
  public void close() {
    try {
      node.close();
    } finally {
      delete(dataDir);
    }
  }

  /** Deletes a folder and all it holds. */
  static void delete(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
