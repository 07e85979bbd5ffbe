package io.mlplatform.model;

import io.mlplatform.mcp.Addresses;
import io.mlplatform.mcp.Caller;
import io.mlplatform.mcp.Envelope;
import io.mlplatform.mcp.McpClient;
import io.mlplatform.mcp.McpException;
import io.mlplatform.mcp.OperationRouter;
import io.mlplatform.mcp.Payload;
import io.mlplatform.storage.StoredObject;
import io.mlplatform.storage.Stores;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * The model server: models, their immutable numbered versions with their artifacts, aliases ({@link ModelRegistry}),
 * bound to the {@code model.*} operations. The gateway streams a version's artifact to the object store; the registry
 * has its format check and read it, and records it.
 */
public final class ModelServerVerticle extends VerticleBase {
  /** Published on every change to a model: other nodes' model servers forget what they cached of it. */
  public static final String MODEL_EVENTS = Addresses.EVENTS_PREFIX + "models";

  private final String nodeId;
  private final Stores stores;

  public ModelServerVerticle(String nodeId, Stores stores) {
    this.nodeId = nodeId;
    this.stores = stores;
  }

  @Override
  public Future<?> start() {
    Envelope.Party self = new Envelope.Party("model-server@" + nodeId, "model-server");
    McpClient events = new McpClient(vertx, self, 1000);
    ModelStore store = new ModelStore(stores.mongo(vertx), name -> events.publish(MODEL_EVENTS, "model.changed",
        new JsonObject().put("name", name).put("node", nodeId)));
    vertx.eventBus().<Envelope>consumer(MODEL_EVENTS, event -> {
      JsonObject change = event.body().payload();
      if (!nodeId.equals(change.getString("node"))) {
        store.evict(change.getString("name"));
      }
    });
    ModelRegistry models = new Models(store, stores.objects());
    OperationRouter router = new OperationRouter(self)
        .on("model.create", json -> {
          Payload p = new Payload(json);
          return models.create(p.name("name"), p.optionalString("description"), p.tags("tags"));
        })
        .on("model.list", json -> {
          Payload p = new Payload(json);
          return models.list(p.optionalString("search"), p.limit(50), p.offset());
        })
        .on("model.get", json -> models.get(new Payload(json).name("name")))
        .on("model.update", json -> {
          Payload p = new Payload(json);
          return models.update(p.name("name"), p.optionalString("description"), p.tags("tags"));
        })
        .on("model.delete", json -> models.delete(new Payload(json).name("name")))
        .onBehalf("model.version.create", (json, caller) -> createVersion(models, json, caller))
        .on("model.version.list", json -> models.versions(new Payload(json).name("name")))
        .on("model.version.get", json -> {
          Payload p = new Payload(json);
          return models.version(p.name("name"), p.string("version"));
        })
        .on("model.version.evaluation", json -> addReport(models, json, "evaluation", ModelRegistry.Report.EVALUATION))
        .on("model.version.drift", json -> addReport(models, json, "report", ModelRegistry.Report.DRIFT))
        .on("model.alias.set", json -> {
          Payload p = new Payload(json);
          int version = p.optionalInt("version", -1, 1, Integer.MAX_VALUE);
          if (version < 0) {
            throw McpException.invalidField("version", "is required");
          }
          return models.setAlias(p.name("name"), p.string("alias"), version);
        })
        .on("model.alias.delete", json -> {
          Payload p = new Payload(json);
          return models.deleteAlias(p.name("name"), p.string("alias"));
        });
    return store.ensureIndexes()
        .compose(v -> router.bind(vertx, Addresses.MODEL_SERVER));
  }

  /**
   * The version a payload describes, recorded by the registry. Its uploaded files (already in the object store) are
   * removed when the payload is refused, as when the registry refuses the version.
   */
  private Future<JsonObject> createVersion(ModelRegistry models, JsonObject json, Caller caller) {
    ModelRegistry.NewVersion version;
    String name;
    try {
      Payload p = new Payload(json);
      name = p.name("name");
      version = new ModelRegistry.NewVersion(p.string("format"), p.optionalString("description"),
          p.userObject("params"), p.userObject("metrics"), p.userObject("source"), artifact(p, "artifact"),
          onnxExport(p), p, caller);
    } catch (McpException e) {
      return removeUploads(json).transform(removed -> Future.failedFuture(e));
    }
    return models.createVersion(name, version);
  }

  /** A training's ONNX export of the version: its file, or the reason there is none; null when neither is given. */
  private static ModelRegistry.OnnxExport onnxExport(Payload p) {
    StoredObject artifact = artifact(p, "onnx_artifact");
    String unsupported = p.optionalString("onnx_unsupported");
    if (artifact == null && unsupported == null) {
      return null;
    }
    return new ModelRegistry.OnnxExport(artifact, p.json().getJsonArray("onnx_labels"), unsupported);
  }

  private static StoredObject artifact(Payload p, String field) {
    JsonObject json = p.optionalObject(field);
    return json == null ? null : StoredObject.fromJson(json);
  }

  private Future<Void> removeUploads(JsonObject json) {
    List<StoredObject> uploaded = new ArrayList<>();
    for (String field : List.of("artifact", "onnx_artifact")) {
      if (json.getValue(field) instanceof JsonObject object) {
        uploaded.add(StoredObject.fromJson(object));
      }
    }
    return stores.objects().removeAll(uploaded);
  }

  private static Future<JsonObject> addReport(ModelRegistry models, JsonObject json, String field,
                                              ModelRegistry.Report kind) {
    Payload p = new Payload(json);
    JsonObject report = p.object(field);
    Payload.checkUserJson(field, report);
    return models.addReport(p.name("name"), p.string("version"), kind, report);
  }
}

