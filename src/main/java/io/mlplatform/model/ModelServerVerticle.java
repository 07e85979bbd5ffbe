package io.mlplatform.model;

import io.mlplatform.mcp.Addresses;
import io.mlplatform.mcp.Caller;
import io.mlplatform.mcp.Envelope;
import io.mlplatform.mcp.McpClient;
import io.mlplatform.mcp.McpException;
import io.mlplatform.mcp.OperationRouter;
import io.mlplatform.mcp.Payload;
import io.mlplatform.runtime.ModelFormat;
import io.mlplatform.runtime.ModelFormats;
import io.mlplatform.storage.ObjectStore;
import io.mlplatform.storage.StoredObject;
import io.mlplatform.storage.Stores;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;

import java.io.InputStream;
import java.util.List;
import java.util.regex.Pattern;

/** The model server: models, immutable numbered versions with their artifacts, aliases. */
public final class ModelServerVerticle extends VerticleBase {
  /** Published on every change to a model: other nodes' model servers forget what they cached of it. */
  public static final String MODEL_EVENTS = Addresses.EVENTS_PREFIX + "models";
  private static final Pattern ALIAS = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,63}");

  private final String nodeId;
  private final Stores stores;
  private ModelRegistry registry;
  private ObjectStore objects;

  public ModelServerVerticle(String nodeId, Stores stores) {
    this.nodeId = nodeId;
    this.stores = stores;
  }

  @Override
  public Future<?> start() {
    Envelope.Party self = new Envelope.Party("model-server@" + nodeId, "model-server");
    McpClient events = new McpClient(vertx, self, 1000);
    registry = new ModelRegistry(stores.mongo(vertx), name -> events.publish(MODEL_EVENTS, "model.changed",
        new JsonObject().put("name", name).put("node", nodeId)));
    vertx.eventBus().<Envelope>consumer(MODEL_EVENTS, event -> {
      JsonObject change = event.body().payload();
      if (!nodeId.equals(change.getString("node"))) {
        registry.evict(change.getString("name"));
      }
    });
    objects = stores.objects();
    OperationRouter router = new OperationRouter(self)
        .on("model.create", this::createModel)
        .on("model.list", this::listModels)
        .on("model.get", p -> registry.get(new Payload(p).name("name")))
        .on("model.update", this::updateModel)
        .on("model.delete", this::deleteModel)
        .onBehalf("model.version.create", this::createVersion)
        .on("model.version.list", p -> registry.listVersions(new Payload(p).name("name")))
        .on("model.version.get", p -> registry.getVersion(new Payload(p).name("name"), new Payload(p).string("version")))
        .on("model.version.evaluation", p -> addToVersion(p, "evaluation", "evaluations"))
        .on("model.version.drift", p -> addToVersion(p, "report", "drift_reports"))
        .on("model.alias.set", this::setAlias)
        .on("model.alias.delete", this::deleteAlias);
    return registry.ensureIndexes()
        .compose(v -> router.bind(vertx, Addresses.MODEL_SERVER));
  }

  private Future<JsonObject> createModel(JsonObject json) {
    Payload p = new Payload(json);
    return registry.create(p.name("name"), p.optionalString("description"), p.tags("tags"));
  }

  private Future<JsonObject> listModels(JsonObject json) {
    Payload p = new Payload(json);
    return registry.list(p.optionalString("search"), p.optionalInt("limit", 50, 1, 1000),
        p.optionalInt("offset", 0, 0, Integer.MAX_VALUE));
  }

  private Future<JsonObject> updateModel(JsonObject json) {
    Payload p = new Payload(json);
    return registry.update(p.name("name"), p.optionalString("description"), p.tags("tags"));
  }

  private Future<JsonObject> deleteModel(JsonObject json) {
    String name = new Payload(json).name("name");
    return registry.delete(name).compose(artifacts -> objects.removeAll(artifacts)
            .compose(v -> Future.all(artifacts.stream().map(this::removeDerivedCopies).toList())))
        .map(v -> new JsonObject().put("deleted", name));
  }

  /** What the formats derived from an artifact (a pipeline unzipped for Spark) goes once no version holds it. */
  private Future<Void> removeDerivedCopies(StoredObject artifact) {
    if (artifact.sha256() == null || !artifact.sha256().matches("[0-9a-f]{64}")) {
      return Future.succeededFuture();
    }
    return registry.anyArtifactWith(artifact.sha256()).compose(used -> used ? Future.succeededFuture()
        : objects.blocking(() -> {
          for (String prefix : ModelFormats.derivedPrefixes(artifact.sha256())) {
            for (String key : objects.keysBlocking(ObjectStore.MODELS, prefix)) {
              objects.removeBlocking(ObjectStore.MODELS, key);
            }
          }
          return null;
        }));
  }

  /**
   * Checks the version's fields and its artifact, then numbers and records it. Whatever fails, the uploaded artifact
   * is removed: nothing is left behind.
   */
  private Future<JsonObject> createVersion(JsonObject json, Caller caller) {
    JsonObject artifactJson = json.getJsonObject("artifact");
    StoredObject artifact = artifactJson == null ? null : StoredObject.fromJson(artifactJson);
    JsonObject onnxJson = json.getJsonObject("onnx_artifact");
    Future<JsonObject> created;
    try {
      created = checkedVersion(new Payload(json), artifact, caller);
    } catch (McpException e) {
      created = Future.failedFuture(e);
    }
    return created.recover(failure -> {
      List<StoredObject> uploaded = new java.util.ArrayList<>();
      if (artifact != null) {
        uploaded.add(artifact);
      }
      if (onnxJson != null) {
        uploaded.add(StoredObject.fromJson(onnxJson));
      }
      return objects.removeAll(uploaded).transform(removed -> Future.failedFuture(failure));
    });
  }

  private Future<JsonObject> checkedVersion(Payload p, StoredObject artifact, Caller caller) {
    String name = p.name("name");
    String formatName = p.string("format");
    JsonObject fields = new JsonObject()
        .put("format", formatName)
        .put("description", p.optionalString("description") == null ? "" : p.optionalString("description"))
        .put("params", orEmpty(p.userObject("params")))
        .put("metrics", numbers("metrics", orEmpty(p.userObject("metrics"))))
        .put("source", p.userObject("source"))
        .put("created_by", caller == null ? null : caller.name());
    ModelFormat format = ModelFormats.named(formatName);
    if (!format.hasArtifact()) {
      fields.mergeIn(format.configure(p, caller));
      return registry.get(name).compose(model -> registry.createVersion(name, fields));
    }
    if (artifact == null) {
      throw McpException.invalidField("file", "the artifact file is required for format " + format.name());
    }
    if (artifact.size() == 0) {
      throw McpException.invalidField("file", "the file is empty");
    }
    return registry.get(name)
        .compose(model -> inspect(format, artifact))
        .compose(inspected -> onnxExport(format, p).map(onnx -> {
          if (onnx != null) {
            fields.put("onnx", onnx);
          }
          return inspected;
        }))
        .compose(inspected -> registry.createVersion(name, fields
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
  private Future<JsonObject> onnxExport(ModelFormat format, Payload p) {
    JsonObject onnx = p.optionalObject("onnx_artifact");
    if (!format.exportsToOnnx() || (onnx == null && p.optionalString("onnx_unsupported") == null)) {
      return Future.succeededFuture(null);
    }
    if (onnx == null) {
      return Future.succeededFuture(new JsonObject().put("supported", false).put("reason", p.optionalString("onnx_unsupported")));
    }
    StoredObject object = StoredObject.fromJson(onnx);
    return inspect(ModelFormats.exports(), object)
        .map(inspected -> new JsonObject().put("supported", true).put("artifact", object.toJson())
            .put("signature", inspected.getJsonObject("signature")).put("labels", p.json().getJsonArray("onnx_labels")));
  }

  /**
   * Appends a record about a version to one of its lists (an evaluation: dataset, version, execution, metrics; a
   * drift report): the version itself stays as it was.
   */
  private Future<JsonObject> addToVersion(JsonObject json, String field, String list) {
    Payload p = new Payload(json);
    JsonObject record = p.object(field);
    Payload.checkUserJson(field, record);
    return registry.addToVersion(p.name("name"), p.string("version"), list, record);
  }

  private Future<JsonObject> setAlias(JsonObject json) {
    Payload p = new Payload(json);
    String alias = alias(p);
    int version = p.optionalInt("version", -1, 1, Integer.MAX_VALUE);
    if (version < 0) {
      throw McpException.invalidField("version", "is required");
    }
    return registry.setAlias(p.name("name"), alias, version);
  }

  private Future<JsonObject> deleteAlias(JsonObject json) {
    Payload p = new Payload(json);
    String name = p.name("name");
    String alias = alias(p);
    return registry.deleteAlias(name, alias).map(v -> new JsonObject().put("deleted", alias));
  }

  private static String alias(Payload p) {
    String alias = p.string("alias");
    if (!ALIAS.matcher(alias).matches()) {
      throw McpException.invalidField("alias", "must start with a letter and hold only letters, digits, '_' or '-'"
          + " (at most 64; a number would read as a version)");
    }
    return alias;
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
