package io.mlplatform.support;

import io.mlplatform.storage.embedded.EmbeddedMongo;
import io.mlplatform.storage.embedded.EmbeddedS3;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Vert.x and the platform's embedded MongoDB and S3 servers, each started on first use in a temporary folder on a
 * free loopback port: for tests of one store class without a node. As a static {@code @RegisterExtension} field it
 * stops them all after the class.
 */
public final class LocalStores implements AfterAllCallback, AutoCloseable {
  private final Vertx vertx = Vertx.vertx();
  private final List<MongoClient> clients = new ArrayList<>();
  private Path dir;
  private EmbeddedMongo mongo;
  private EmbeddedS3 s3;

  public Vertx vertx() {
    return vertx;
  }

  /** A client of this database on the embedded MongoDB. */
  public MongoClient mongo(String database) throws Exception {
    if (mongo == null) {
      mongo = EmbeddedMongo.start(dir().resolve("mongo"), 0);
    }
    MongoClient client = MongoClient.create(vertx, new JsonObject().put("connection_string", mongo.connectionString())
        .put("db_name", database));
    clients.add(client);
    return client;
  }

  /** Closes the MongoDB clients and stops the embedded MongoDB, which starts again on its files at the next use. */
  public void stopMongo() {
    clients.forEach(MongoClient::close);
    clients.clear();
    if (mongo != null) {
      mongo.close();
      mongo = null;
    }
  }

  /** The embedded S3 server, with these credentials. */
  public EmbeddedS3 s3(String accessKey, String secretKey) throws Exception {
    if (s3 == null) {
      s3 = EmbeddedS3.start(dir().resolve("s3"), 0, accessKey, secretKey);
    }
    return s3;
  }

  private Path dir() throws IOException {
    if (dir == null) {
      dir = Files.createTempDirectory("mlp-local-stores");
    }
    return dir;
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    close();
  }

  @Override
  public void close() throws Exception {
    stopMongo();
    if (s3 != null) {
      s3.close();
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    if (dir != null) {
      TestNode.delete(dir);
    }
  }
}
