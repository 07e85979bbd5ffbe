package io.mlplatform.access;

import io.mlplatform.mcp.Caller;
import io.mlplatform.mcp.ErrorCode;
import io.mlplatform.mcp.McpException;
import io.mlplatform.policy.KeyDigest;
import io.mlplatform.policy.Policy;
import io.mlplatform.storage.Documents;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.IndexOptions;
import io.vertx.ext.mongo.MongoClient;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

/**
 * API keys in MongoDB. A key is shown once, when it is created; only its SHA-256 is kept (a stolen database gives
 * no key), with its name, roles and the first characters of its secret so a user can tell keys apart.
 */
public final class ApiKeys {
  static final String KEYS = "api_keys";
  private static final String PREFIX = "mlp_";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final MongoClient mongo;

  public ApiKeys(MongoClient mongo) {
    this.mongo = mongo;
  }

  public Future<Void> ensureIndexes() {
    return mongo.createIndexWithOptions(KEYS, new JsonObject().put("hash", 1),
        new IndexOptions().unique(true).name("hash_unique"));
  }

  /** Creates a key; the answer holds the key itself, which is never shown again. */
  public Future<JsonObject> create(String name, List<String> roles, String description, Caller creator) {
    byte[] secret = new byte[32];
    RANDOM.nextBytes(secret);
    String key = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    JsonObject document = new JsonObject().put("_id", name).put("name", name).put("roles", new JsonArray(roles))
        .put("description", description == null ? "" : description).put("hash", KeyDigest.of(key))
        .put("prefix", key.substring(0, PREFIX.length() + 6)).put("created_at", Instant.now().toString())
        .put("created_by", creator == null ? null : creator.name());
    return mongo.insert(KEYS, document)
        .recover(failure -> Future.failedFuture(Documents.isDuplicateKey(failure)
            ? McpException.conflict("API key '" + name + "' already exists") : failure))
        .map(id -> shown(document).put("key", key));
  }

  public Future<JsonObject> page(int limit, int offset) {
    return Documents.page(mongo, KEYS, new JsonObject(), new JsonObject().put("created_at", 1), limit, offset)
        .map(page -> {
          page.getJsonArray("items").forEach(item -> listed((JsonObject) item));
          return page;
        });
  }

  public Future<Void> delete(String name) {
    return mongo.removeDocument(KEYS, new JsonObject().put("_id", name)).compose(removed -> removed.getRemovedCount() == 0
        ? Future.failedFuture(McpException.notFound("API key '" + name + "' does not exist"))
        : Future.succeededFuture());
  }

  /** The caller a key's hash belongs to; unauthenticated when no key has it (never existed, or deleted). */
  public Future<Caller> caller(String hash) {
    return mongo.findOne(KEYS, new JsonObject().put("hash", hash), null).compose(found -> found == null
        ? Future.failedFuture(new McpException(ErrorCode.UNAUTHENTICATED, "unknown or revoked API key"))
        : Future.succeededFuture(callerOf(found)));
  }

  static Caller callerOf(JsonObject key) {
    return new Caller("key:" + key.getString("name"), key.getString("name"),
        key.getJsonArray("roles", new JsonArray()).stream().map(String::valueOf).toList());
  }

  private static JsonObject shown(JsonObject document) {
    return listed(Documents.shown(document));
  }

  /** A key as the API lists it (already without _id): no hash, with the permissions its roles grant. */
  private static JsonObject listed(JsonObject key) {
    key.remove("hash");
    return key.put("permissions", Policy.permissionsJson(callerOf(key).roles()));
  }
}
