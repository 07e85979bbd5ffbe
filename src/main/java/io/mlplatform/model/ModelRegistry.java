package io.mlplatform.model;

import io.mlplatform.mcp.McpException;
import io.mlplatform.storage.StoredObject;
import io.mlplatform.storage.VersionedCollection;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;

import java.util.List;

/** Models and their numbered versions, plus aliases (alias → version number) kept on the model document. */
public final class ModelRegistry {
  private final VersionedCollection models;

  public ModelRegistry(MongoClient mongo) {
    this.models = new VersionedCollection(mongo, "model", "models", "model_versions");
  }

  public Future<Void> ensureIndexes() {
    return models.ensureIndexes();
  }

  public Future<JsonObject> create(String name, String description, JsonObject tags) {
    return models.create(name, new JsonObject().put("description", description == null ? "" : description)
        .put("tags", tags == null ? new JsonObject() : tags).put("aliases", new JsonObject()));
  }

  public Future<JsonObject> list(String search, int limit, int offset) {
    return models.list(search, limit, offset);
  }

  public Future<JsonObject> get(String name) {
    return models.get(name);
  }

  public Future<JsonObject> update(String name, String description, JsonObject tags) {
    JsonObject set = new JsonObject();
    if (description != null) {
      set.put("description", description);
    }
    if (tags != null) {
      set.put("tags", tags);
    }
    return models.update(name, new JsonObject().put("$set", set));
  }

  public Future<List<StoredObject>> delete(String name) {
    return models.delete(name);
  }

  public Future<JsonObject> createVersion(String name, JsonObject fields) {
    return models.createVersion(name, fields).map(version -> withAliases(version, new JsonObject()));
  }

  public Future<JsonObject> listVersions(String name) {
    return get(name).compose(model -> models.listVersions(name).map(page -> {
      JsonArray items = new JsonArray();
      page.getJsonArray("items").forEach(v -> items.add(withAliases((JsonObject) v, model.getJsonObject("aliases"))));
      return page.put("items", items);
    }));
  }

  /** The version that {@code ref} names: a number, an alias of the model, or "latest". */
  public Future<JsonObject> getVersion(String name, String ref) {
    return get(name).compose(model -> {
      JsonObject aliases = model.getJsonObject("aliases", new JsonObject());
      Integer number = "latest".equals(ref) ? model.getInteger("latest_version") : VersionedCollection.number(ref);
      if (number == null) {
        number = aliases.getInteger(ref);
      }
      if (number == null) {
        return Future.failedFuture(McpException.notFound("model '" + name + "' has no version or alias '" + ref + "'"));
      }
      return models.version(name, number).map(version -> withAliases(version, aliases));
    });
  }

  public Future<JsonObject> setAlias(String name, String alias, int version) {
    return models.version(name, version).compose(found ->
        models.update(name, new JsonObject().put("$set", new JsonObject().put("aliases." + alias, version))));
  }

  public Future<Void> deleteAlias(String name, String alias) {
    return get(name).compose(model -> {
      if (!model.getJsonObject("aliases", new JsonObject()).containsKey(alias)) {
        return Future.failedFuture(McpException.notFound("model '" + name + "' has no alias '" + alias + "'"));
      }
      return models.update(name, new JsonObject().put("$unset", new JsonObject().put("aliases." + alias, "")))
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
