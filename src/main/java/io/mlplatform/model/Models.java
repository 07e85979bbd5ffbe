package io.mlplatform.model;

import io.mlplatform.mcp.McpException;
import io.mlplatform.runtime.ModelFormat;
import io.mlplatform.runtime.registry.ModelFormats;
import io.mlplatform.storage.ObjectStore;
import io.mlplatform.storage.StoredObject;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The model registry on MongoDB ({@link ModelStore}: models, versions, aliases) and the object store (artifacts and
 * what formats derived from them). Each version's artifact is checked and read by its {@link ModelFormat}.
 */
final class Models implements ModelRegistry {
  private static final Pattern ALIAS = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,63}");

  private final ModelStore store;
  private final ObjectStore objects;

  Models(ModelStore store, ObjectStore objects) {
    this.store = store;
    this.objects = objects;
  }

  @Override
  public Future<JsonObject> create(String name, String description, JsonObject tags) {
    return store.create(name, description, tags);
  }

  @Override
  public Future<JsonObject> list(String search, int limit, int offset) {
    return store.list(search, limit, offset);
  }

  @Override
  public Future<JsonObject> get(String name) {
    return store.get(name);
  }

  @Override
  public Future<JsonObject> update(String name, String description, JsonObject tags) {
    return store.update(name, description, tags);
  }

  @Override
  public Future<JsonObject> delete(String name) {
    return store.delete(name).compose(artifacts -> objects.removeAll(artifacts)
            .compose(v -> Future.all(artifacts.stream().map(this::removeDerivedCopies).toList())))
        .map(v -> new JsonObject().put("deleted", name));
  }

  /** What the formats derived from an artifact (a pipeline unzipped for Spark) goes once no version holds it. */
  private Future<Void> removeDerivedCopies(StoredObject artifact) {
    if (artifact.sha256() == null || !artifact.sha256().matches("[0-9a-f]{64}")) {
      return Future.succeededFuture();
    }
    return store.anyArtifactWith(artifact.sha256()).compose(used -> used ? Future.succeededFuture()
        : objects.blocking(() -> {
          for (String prefix : ModelFormats.derivedPrefixes(artifact.sha256())) {
            for (String key : objects.keysBlocking(ObjectStore.MODELS, prefix)) {
              objects.removeBlocking(ObjectStore.MODELS, key);
            }
          }
          return null;
        }));
  }

  @Override
  public Future<JsonObject> createVersion(String name, NewVersion version) {
    Future<JsonObject> created;
    try {
      created = checkedVersion(name, version);
    } catch (McpException e) {
      created = Future.failedFuture(e);
    }
    return created.recover(failure -> {
      List<StoredObject> uploaded = new ArrayList<>();
      if (version.artifact() != null) {
        uploaded.add(version.artifact());
      }
      if (version.onnx() != null && version.onnx().artifact() != null) {
        uploaded.add(version.onnx().artifact());
      }
      return objects.removeAll(uploaded).transform(removed -> Future.failedFuture(failure));
    });
  }

  private Future<JsonObject> checkedVersion(String name, NewVersion version) {
    JsonObject fields = new JsonObject()
        .put("format", version.format())
        .put("description", version.description() == null ? "" : version.description())
        .put("params", orEmpty(version.params()))
        .put("metrics", numbers("metrics", orEmpty(version.metrics())))
        .put("source", version.source())
        .put("created_by", version.caller() == null ? null : version.caller().name());
    ModelFormat format = ModelFormats.named(version.format());
    if (!format.hasArtifact()) {
      fields.mergeIn(format.configure(version.request(), version.caller()));
      return store.get(name).compose(model -> store.createVersion(name, fields));
    }
    StoredObject artifact = version.artifact();
    if (artifact == null) {
      throw McpException.invalidField("file", "the artifact file is required for format " + format.name());
    }
    if (artifact.size() == 0) {
      throw McpException.invalidField("file", "the file is empty");
    }
    return store.get(name)
        .compose(model -> inspect(format, artifact))
        .compose(inspected -> onnxExport(format, version.onnx()).map(onnx -> {
          if (onnx != null) {
            fields.put("onnx", onnx);
          }
          return inspected;
        }))
        .compose(inspected -> store.createVersion(name, fields
            .put("signature", inspected.getJsonObject("signature"))
            .put("details", inspected.getJsonObject("details"))
            .put("size", artifact.size())
            .put("sha256", artifact.sha256())
            .put("artifact", artifact.toJson())));
  }

  /** The artifact checked by its format, which reads its signature from it (on a worker: it reads the store). */
  private Future<JsonObject> inspect(ModelFormat format, StoredObject artifact) {
    return objects.blocking(() -> {
      try (InputStream in = objects.openBlocking(artifact.bucket(), artifact.key())) {
        return format.inspect(in, artifact.size());
      }
    });
  }

  /**
   * A version's ONNX export (made at training time, checked here like any ONNX file), when its format has one:
   * {artifact, signature, labels}; or {supported: false, reason}.
   */
  private Future<JsonObject> onnxExport(ModelFormat format, OnnxExport onnx) {
    if (!format.exportsToOnnx() || onnx == null) {
      return Future.succeededFuture(null);
    }
    if (onnx.artifact() == null) {
      return Future.succeededFuture(new JsonObject().put("supported", false).put("reason", onnx.unsupported()));
    }
    return inspect(ModelFormats.exports(), onnx.artifact())
        .map(inspected -> new JsonObject().put("supported", true).put("artifact", onnx.artifact().toJson())
            .put("signature", inspected.getJsonObject("signature")).put("labels", onnx.labels()));
  }

  @Override
  public Future<JsonObject> versions(String name) {
    return store.listVersions(name);
  }

  @Override
  public Future<JsonObject> version(String name, String ref) {
    return store.getVersion(name, ref);
  }

  @Override
  public Future<JsonObject> addReport(String name, String ref, Report kind, JsonObject report) {
    return store.addToVersion(name, ref, kind.field, report);
  }

  @Override
  public Future<JsonObject> setAlias(String name, String alias, int version) {
    return checkAlias(alias).compose(v -> store.setAlias(name, alias, version));
  }

  @Override
  public Future<JsonObject> deleteAlias(String name, String alias) {
    return checkAlias(alias).compose(v -> store.deleteAlias(name, alias)).map(v -> new JsonObject().put("deleted", alias));
  }

  private static Future<Void> checkAlias(String alias) {
    return ALIAS.matcher(alias).matches() ? Future.succeededFuture()
        : Future.failedFuture(McpException.invalidField("alias", "must start with a letter and hold only letters,"
            + " digits, '_' or '-' (at most 64; a number would read as a version)"));
  }

  private static JsonObject orEmpty(JsonObject object) {
    return object == null ? new JsonObject() : object;
  }

  private static JsonObject numbers(String field, JsonObject object) {
    object.forEach(entry -> {
      if (!(entry.getValue() instanceof Number)) {
        throw McpException.invalidField(field + "." + entry.getKey(), "must be a number");
      }
    });
    return object;
  }
}
