package io.mlplatform.storage;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;

/** How a node reaches its stores: the MongoDB client configuration and the object store. */
public record Stores(JsonObject mongoConfig, ObjectStore objects) {
  private static final String POOL = "mlplatform";

  public static Stores connect(Vertx vertx, String mongoUri, String database, String s3Endpoint, String region,
                               String accessKey, String secretKey) {
    JsonObject mongo = new JsonObject().put("connection_string", mongoUri).put("db_name", database)
        .put("serverSelectionTimeoutMS", 5000).put("connectTimeoutMS", 5000);
    return new Stores(mongo, new ObjectStore(vertx, s3Endpoint, region, accessKey, secretKey));
  }

  /** The node's shared MongoDB client (one connection pool for every verticle). */
  public MongoClient mongo(Vertx vertx) {
    return MongoClient.createShared(vertx, mongoConfig, POOL);
  }
}
