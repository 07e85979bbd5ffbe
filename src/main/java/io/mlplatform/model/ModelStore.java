package io.mlplatform.model;

import io.mlplatform.mcp.McpException;
import io.mlplatform.storage.StoredObject;
import io.mlplatform.storage.VersionedCollection;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Models and their numbered versions in MongoDB, plus aliases (alias → version number) kept on the model document.
 * Reads are served from a cache of documents (registry reads are hot: every lookup, every deployment's
 * reconciliation); every write evicts the model locally and announces it, so that the model servers of other nodes
 * evict it too.
 */
final class ModelStore {
  private static final int CACHED_DOCUMENTS = 20_000;

  private final VersionedCollection models;
  private final Consumer<String> announce;
  private final Map<String, JsonObject> cache = Collections.synchronizedMap(
      new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, JsonObject> eldest) {
          return size() > CACHED_DOCUMENTS;
        }
      });

  /** {@code announce} tells the other nodes that a model changed. */
  ModelStore(MongoClient mongo, Consumer<String> announce) {
    this.models = new VersionedCollection(mongo, "model", "models", "model_versions");
    this.announce = announce;
  }

  /** Forgets what is cached of a model (its document and its versions). */
  void evict(String name) {
    synchronized (cache) {
      cache.keySet().removeIf(key -> key.equals(name) || key.startsWith(name + "/"));
    }
  }

  private <T> Future<T> changed(String name, Future<T> write) {
    return write.andThen(done -> {
      evict(name);
      announce.accept(name);
    });
  }

  private Future<JsonObject> cached(String key, Supplier<Future<JsonObject>> load) {
    JsonObject hit = cache.get(key);
    if (hit != null) {
      return Future.succeededFuture(hit.copy());
    }
    return load.get().andThen(loaded -> {
      if (loaded.succeeded()) {
        cache.put(key, loaded.result().copy());
      }
    });
  }

  Future<Void> ensureIndexes() {
    return models.ensureIndexes();
  }

  Future<JsonObject> create(String name, String description, JsonObject tags) {
    return changed(name, models.create(name, new JsonObject().put("description", description == null ? "" : description)
        .put("tags", tags == null ? new JsonObject() : tags).put("aliases", new JsonObject())));
  }

  Future<JsonObject> list(String search, int limit, int offset) {
    return models.list(search, limit, offset);
  }

  Future<JsonObject> get(String name) {
    return cached(name, () -> models.get(name));
  }

  Future<JsonObject> update(String name, String description, JsonObject tags) {
    JsonObject set = new JsonObject();
    if (description != null) {
      set.put("description", description);
    }
    if (tags != null) {
      set.put("tags", tags);
    }
    return changed(name, models.update(name, new JsonObject().put("$set", set)));
  }

  /** Whether a version of any model holds an artifact with this SHA-256. */
  Future<Boolean> anyArtifactWith(String sha256) {
    return models.anyVersionWith("sha256", sha256);
  }

  Future<List<StoredObject>> delete(String name) {
    return changed(name, models.delete(name));
  }

  Future<JsonObject> createVersion(String name, JsonObject fields) {
    return changed(name, models.createVersion(name, fields)).map(version -> withAliases(version, new JsonObject()));
  }

  Future<JsonObject> listVersions(String name) {
    return get(name).compose(model -> models.listVersions(name).map(page -> {
      JsonArray items = new JsonArray();
      page.getJsonArray("items").forEach(v -> items.add(withAliases((JsonObject) v, model.getJsonObject("aliases"))));
      return page.put("items", items);
    }));
  }

  /** The version that {@code ref} names: a number, an alias of the model, or "latest". */
  Future<JsonObject> getVersion(String name, String ref) {
    return get(name).compose(model -> {
      JsonObject aliases = model.getJsonObject("aliases", new JsonObject());
      Integer number = "latest".equals(ref) ? model.getInteger("latest_version") : VersionedCollection.number(ref);
      if (number == null) {
        number = aliases.getInteger(ref);
      }
      if (number == null) {
        return Future.failedFuture(McpException.notFound("model '" + name + "' has no version or alias '" + ref + "'"));
      }
      int found = number;
      return cached(name + "/" + found, () -> models.version(name, found)).map(version -> withAliases(version, aliases));
    });
  }

  /** Appends a record about a version (an evaluation, a drift report) to one of its array fields. */
  Future<JsonObject> addToVersion(String name, String ref, String field, JsonObject record) {
    return getVersion(name, ref).compose(version -> changed(name,
        models.pushToVersion(name, version.getInteger("version"), field, record)))
        .compose(v -> getVersion(name, ref));
  }

  Future<JsonObject> setAlias(String name, String alias, int version) {
    return models.version(name, version).compose(found -> changed(name,
        models.update(name, new JsonObject().put("$set", new JsonObject().put("aliases." + alias, version)))));
  }

  Future<Void> deleteAlias(String name, String alias) {
    return get(name).compose(model -> {
      if (!model.getJsonObject("aliases", new JsonObject()).containsKey(alias)) {
        return Future.failedFuture(McpException.notFound("model '" + name + "' has no alias '" + alias + "'"));
      }
      return changed(name, models.update(name, new JsonObject().put("$unset", new JsonObject().put("aliases." + alias, ""))))
          .mapEmpty();
    });
  }

  private static JsonObject withAliases(JsonObject version, JsonObject aliases) {
    JsonArray names = new JsonArray();
    aliases.forEach(alias -> {
      if (alias.getValue() instanceof Number n && n.intValue() == version.getInteger("version")) {
        names.add(alias.getKey());
      }
    });
    return version.put("aliases", names);
  }
}
