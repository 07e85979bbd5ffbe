package io.mlplatform.storage;

import io.mlplatform.mcp.McpException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;

import java.time.Instant;
import java.util.List;

/**
 * Named things with immutable, numbered versions in two MongoDB collections: the parents keyed by name, the versions
 * keyed by "name/number" under a unique (parent, version) index. Models and datasets are both kept this way.
 */
public final class VersionedCollection {
  private final MongoClient mongo;
  private final String noun;
  private final String parents;
  private final String versions;
  private final String parentField;

  /** E.g. noun "model", collections "models" and "model_versions", versions naming their parent in "model". */
  public VersionedCollection(MongoClient mongo, String noun, String parents, String versions) {
    this.mongo = mongo;
    this.noun = noun;
    this.parents = parents;
    this.versions = versions;
    this.parentField = noun;
  }

  public Future<Void> ensureIndexes() {
    return Documents.ensureVersionIndex(mongo, versions, parentField);
  }

  /** Records a new parent with {@code fields}; conflict when the name is taken. */
  public Future<JsonObject> create(String name, JsonObject fields) {
    String now = Instant.now().toString();
    JsonObject parent = fields.copy().put("_id", name).put("name", name)
        .put("latest_version", 0).put("created_at", now).put("updated_at", now);
    return mongo.insert(parents, parent)
        .map(id -> Documents.shown(parent))
        .recover(failure -> Future.failedFuture(Documents.isDuplicateKey(failure)
            ? McpException.conflict(noun + " '" + name + "' already exists") : failure));
  }

  public Future<JsonObject> list(String search, int limit, int offset) {
    return Documents.page(mongo, parents, Documents.containing(search, "name", "description"),
        new JsonObject().put("name", 1), limit, offset);
  }

  public Future<JsonObject> get(String name) {
    return mongo.findOne(parents, byId(name), null).compose(parent -> parent == null
        ? Future.failedFuture(McpException.notFound(noun + " '" + name + "' does not exist"))
        : Future.succeededFuture(Documents.shown(parent)));
  }

  /** Applies a MongoDB update ({"$set": …}, {"$unset": …}) to the parent and returns it as it is then. */
  public Future<JsonObject> update(String name, JsonObject update) {
    JsonObject withTime = update.copy();
    JsonObject set = withTime.getJsonObject("$set", new JsonObject()).put("updated_at", Instant.now().toString());
    withTime.put("$set", set);
    return mongo.updateCollection(parents, byId(name), withTime)
        .compose(result -> result.getDocMatched() == 0
            ? Future.failedFuture(McpException.notFound(noun + " '" + name + "' does not exist"))
            : get(name));
  }

  /** Deletes the parent and its versions; completes with the versions' artifacts, for the caller to remove. */
  public Future<List<StoredObject>> delete(String name) {
    JsonObject ofParent = new JsonObject().put(parentField, name);
    return get(name)
        .compose(parent -> mongo.findWithOptions(versions, ofParent,
            new FindOptions().setFields(new JsonObject().put("artifact", 1))))
        .compose(found -> mongo.removeDocuments(versions, ofParent)
            .compose(r -> mongo.removeDocument(parents, byId(name)))
            .map(r -> found.stream().map(v -> v.getJsonObject("artifact")).filter(a -> a != null)
                .map(StoredObject::fromJson).toList()));
  }

  /** Removes a parent that has no versions (undoes a create whose first version failed). */
  public Future<Void> forget(String name) {
    return mongo.removeDocument(parents, byId(name)).mapEmpty();
  }

  /** Records the parent's next version from {@code fields}; completes with the version as the API shows it. */
  public Future<JsonObject> createVersion(String name, JsonObject fields) {
    return Documents.insertNextVersion(mongo, versions, parentField, name, number -> fields.copy()
            .put("_id", name + "/" + number).put(parentField, name).put("version", number)
            .put("created_at", Instant.now().toString()))
        .compose(version -> mongo.updateCollection(parents, byId(name),
                new JsonObject().put("$max", new JsonObject().put("latest_version", version.getInteger("version")))
                    .put("$set", new JsonObject().put("updated_at", Instant.now().toString())))
            .map(r -> Documents.shown(version)));
  }

  /** {items, total}: every version of the parent, oldest first. */
  /** Whether any version (of any parent) has this value in {@code field}. */
  public Future<Boolean> anyVersionWith(String field, String value) {
    return mongo.count(versions, new JsonObject().put(field, value)).map(count -> count > 0);
  }

  public Future<JsonObject> listVersions(String name) {
    return get(name).compose(parent -> Documents.page(mongo, versions, new JsonObject().put(parentField, name),
        new JsonObject().put("version", 1), 100_000, 0));
  }

  public Future<JsonObject> version(String name, int number) {
    return mongo.findOne(versions, byId(name + "/" + number), null).compose(version -> version == null
        ? Future.failedFuture(McpException.notFound(noun + " '" + name + "' has no version " + number))
        : Future.succeededFuture(Documents.shown(version)));
  }

  /** Appends {@code value} to an array field of a version (records about it, e.g. evaluations). */
  public Future<Void> pushToVersion(String name, int number, String field, JsonObject value) {
    return mongo.updateCollection(versions, byId(name + "/" + number),
        new JsonObject().put("$push", new JsonObject().put(field, value))).mapEmpty();
  }

  /** A version reference that is a plain number, or null. */
  public static Integer number(String ref) {
    if (ref != null && !ref.isEmpty() && ref.length() < 10 && ref.chars().allMatch(Character::isDigit)) {
      return Integer.parseInt(ref);
    }
    return null;
  }

  private static JsonObject byId(String id) {
    return new JsonObject().put("_id", id);
  }
}
