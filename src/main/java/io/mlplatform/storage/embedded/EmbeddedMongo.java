package io.mlplatform.storage.embedded;

import de.bwaldvogel.mongo.MongoServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The in-process MongoDB wire-protocol server (H2 file backend, each write committed before it is acknowledged) on
 * loopback, for a node with no MongoDB configured.
 */
public final class EmbeddedMongo implements AutoCloseable {
  private final MongoServer server;
  private final InetSocketAddress address;

  private EmbeddedMongo(MongoServer server, InetSocketAddress address) {
    this.server = server;
    this.address = address;
  }

  /** Starts the server on 127.0.0.1:port (0 picks a free port), persisting under {@code dir}. */
  public static EmbeddedMongo start(Path dir, int port) throws IOException {
    Files.createDirectories(dir);
    MongoServer server = new MongoServer(new DurableH2Backend(dir.resolve("metadata.mv").toString()));
    server.bind("127.0.0.1", port);
    return new EmbeddedMongo(server, server.getLocalAddress());
  }

  public String connectionString() {
    return "mongodb://127.0.0.1:" + address.getPort();
  }

  /** Stops listening and closes the backend, which writes every pending change to disk. */
  @Override
  public void close() {
    server.shutdownNow();
  }
}
