package io.mlplatform.storage;

import com.mongodb.MongoException;
import io.mlplatform.mcp.ErrorCode;
import io.mlplatform.mcp.McpException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.IndexOptions;
import io.vertx.ext.mongo.MongoClient;

import java.util.function.IntFunction;

/**
 * MongoDB habits shared by the registries: pages of documents, the next version number of a parent under a
 * unique index, and documents as the API shows them. Only features that work on both real MongoDB and the
 * embedded server.
 */
public final class Documents {
  private static final int MAX_VERSION_ATTEMPTS = 50;

  private Documents() {
  }

  /** Creates the unique index (parentField, version) that keeps version numbers unique when inserts race. */
  public static Future<Void> ensureVersionIndex(MongoClient mongo, String collection, String parentField) {
    return mongo.createIndexWithOptions(collection, new JsonObject().put(parentField, 1).put("version", 1),
        new IndexOptions().unique(true).name(parentField + "_version_unique"));
  }

  /**
   * Creates the (non-unique) indexes that a collection's queries use, each a JSON key spec; creating one that
   * exists is a no-op, so every node does it at start.
   */
  public static Future<Void> ensureIndexes(MongoClient mongo, String collection, JsonObject... keys) {
    Future<Void> all = Future.succeededFuture();
    for (JsonObject key : keys) {
      all = all.compose(v -> mongo.createIndex(collection, key));
    }
    return all;
  }

  /**
   * Inserts the document {@code documentFor(n)} where n is one more than the parent's highest version. When
   * another insert took n first, the unique index refuses this one and it tries n + 1: numbers stay gapless.
   */
  public static Future<JsonObject> insertNextVersion(MongoClient mongo, String collection, String parentField,
                                                     String parent, IntFunction<JsonObject> documentFor) {
    return insertNextVersion(mongo, collection, parentField, parent, documentFor, 1);
  }

  private static Future<JsonObject> insertNextVersion(MongoClient mongo, String collection, String parentField,
                                                      String parent, IntFunction<JsonObject> documentFor, int attempt) {
    FindOptions latest = new FindOptions().setSort(new JsonObject().put("version", -1)).setLimit(1)
        .setFields(new JsonObject().put("version", 1));
    return mongo.findWithOptions(collection, new JsonObject().put(parentField, parent), latest)
        .compose(found -> {
          int next = found.isEmpty() ? 1 : found.get(0).getInteger("version") + 1;
          JsonObject document = documentFor.apply(next);
          return mongo.insert(collection, document).map(id -> document);
        })
        .recover(failure -> {
          if (isDuplicateKey(failure) && attempt < MAX_VERSION_ATTEMPTS) {
            return insertNextVersion(mongo, collection, parentField, parent, documentFor, attempt + 1);
          }
          if (isDuplicateKey(failure)) {
            return Future.failedFuture(new McpException(ErrorCode.CONFLICT,
                "too many concurrent version uploads for " + parent + "; try again"));
          }
          return Future.failedFuture(failure);
        });
  }

  /** {items, total}: one page of matching documents, in {@code sort} order, shown without their _id. */
  public static Future<JsonObject> page(MongoClient mongo, String collection, JsonObject query, JsonObject sort,
                                        int limit, int offset) {
    FindOptions options = new FindOptions().setSort(sort).setLimit(limit).setSkip(offset);
    return mongo.count(collection, query).compose(total -> mongo.findWithOptions(collection, query, options)
        .map(found -> {
          JsonArray items = new JsonArray();
          found.forEach(document -> items.add(shown(document)));
          return new JsonObject().put("items", items).put("total", total);
        }));
  }

  /** A query matching documents whose {@code fields} contain {@code text}, case-insensitively, literally. */
  public static JsonObject containing(String text, String... fields) {
    if (text == null || text.isBlank()) {
      return new JsonObject();
    }
    String literal = text.trim().replaceAll("[\\\\^$.|?*+()\\[\\]{}]", "\\\\$0");
    JsonArray any = new JsonArray();
    for (String field : fields) {
      any.add(new JsonObject().put(field, new JsonObject().put("$regex", literal).put("$options", "i")));
    }
    return new JsonObject().put("$or", any);
  }

  /** The document as the API shows it: without MongoDB's _id. */
  public static JsonObject shown(JsonObject document) {
    JsonObject copy = document.copy();
    copy.remove("_id");
    return copy;
  }

  public static boolean isDuplicateKey(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof MongoException mongo && mongo.getCode() == 11000) {
        return true;
      }
      if (t.getMessage() != null && t.getMessage().contains("E11000")) {
        return true;
      }
    }
    return false;
  }
}
