package io.mlplatform;

import io.mlplatform.cli.Mlp;
import io.mlplatform.node.Settings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Starts one node: `java -jar mlplatform.jar [--cluster] [--config conf/config.json]`; with a command
 * (`java -jar mlplatform.jar models list`, see bin/mlp) runs the command line instead, which loads none of the node's
 * classes.
 */
public final class Main {
  private Main() {
  }

  public static void main(String[] args) {
    if (args.length > 0 && !args[0].equals("--cluster") && !args[0].equals("--config")) {
      Mlp.main(args);
      return;
    }
    startNode(args);
  }

  private static void startNode(String[] args) {
    System.setProperty("io.netty.tryReflectionSetAccessible", "true");
    Logger log = LoggerFactory.getLogger(Main.class);
    Map<String, String> environment = new HashMap<>(System.getenv());
    Path config = Path.of(System.getenv().getOrDefault("MLP_CONFIG", "conf/config.json"));
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--cluster" -> environment.put("MLP_CLUSTER", "true");
        case "--config" -> config = Path.of(args[++i]);
        default -> {
          System.err.println("usage: java -jar mlplatform.jar [--cluster] [--config FILE]");
          System.exit(2);
        }
      }
    }
    long started = System.nanoTime();
    Node node;
    try {
      node = Node.start(Settings.load(config, environment));
    } catch (Exception e) {
      log.error("mlplatform failed to start: {}", e.getMessage(), e);
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(node::close, "mlplatform-shutdown"));
    Settings settings = node.settings();
    String where = settings.hasRole("gateway") ? "http://localhost:" + node.httpPort() + "/"
        : "(no gateway role; /health and /ready on port " + node.httpPort() + ")";
    System.out.printf("mlplatform ready at %s in %.1f s (node %s, roles %s, data %s%s, sockets %s)%n", where,
        (System.nanoTime() - started) / 1e9, node.nodeId(), String.join(",", settings.roles()),
        settings.dataDir().toAbsolutePath().normalize(), settings.clustered() ? ", clustered" : "",
        node.vertx().isNativeTransportEnabled() ? "epoll" : "Java NIO");
  }
}
