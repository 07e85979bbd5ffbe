package io.mlplatform.data;

import io.mlplatform.formats.Inspection;
import io.mlplatform.mcp.Addresses;
import io.mlplatform.mcp.Caller;
import io.mlplatform.mcp.Envelope;
import io.mlplatform.mcp.McpException;
import io.mlplatform.mcp.OperationRouter;
import io.mlplatform.mcp.Payload;
import io.mlplatform.storage.AbandonedUploads;
import io.mlplatform.storage.ObjectStore;
import io.mlplatform.storage.StoredObject;
import io.mlplatform.storage.Stores;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;

import java.util.function.Function;

/**
 * The data server: datasets and their immutable versions ({@link DatasetRegistry}), bound to the {@code dataset.*}
 * operations. The gateway streams a version's file to the object store and reads its schema on the way; this server
 * records it, serves previews, and deletes the objects with the data.
 */
public final class DataServerVerticle extends VerticleBase {
  private final String nodeId;
  private final Stores stores;
  private final long abandonedUploadMillis;
  private ObjectStore objects;
  private long sweeper = -1;

  /** @param abandonedUploadMillis how old an incomplete multipart upload is when it is aborted */
  public DataServerVerticle(String nodeId, Stores stores, long abandonedUploadMillis) {
    this.nodeId = nodeId;
    this.stores = stores;
    this.abandonedUploadMillis = abandonedUploadMillis;
  }

  @Override
  public Future<?> start() {
    objects = stores.objects();
    Datasets datasets = new Datasets(stores.mongo(vertx), objects);
    OperationRouter router = new OperationRouter(new Envelope.Party("data-server@" + nodeId, "data-server"))
        .onBehalf("dataset.create", (json, caller) -> uploading(json, p -> datasets.create(p.name("name"),
            upload(p, caller), p.optionalString("description"), p.tags("tags"))))
        .onBehalf("dataset.version.create", (json, caller) -> uploading(json,
            p -> datasets.addVersion(p.name("name"), upload(p, caller))))
        .on("dataset.list", json -> {
          Payload p = new Payload(json);
          return datasets.list(p.optionalString("search"), p.limit(50), p.offset());
        })
        .on("dataset.get", json -> datasets.get(new Payload(json).name("name")))
        .on("dataset.delete", json -> datasets.delete(new Payload(json).name("name")))
        .on("dataset.version.list", json -> datasets.versions(new Payload(json).name("name")))
        .on("dataset.version.get", json -> {
          Payload p = new Payload(json);
          return datasets.version(p.name("name"), p.string("version"));
        })
        .on("dataset.version.preview", json -> {
          Payload p = new Payload(json);
          return datasets.preview(p.name("name"), p.string("version"), p.limit(20));
        });
    return datasets.ensureIndexes()
        .compose(v -> router.bind(vertx, Addresses.DATA_SERVER))
        .onSuccess(bound -> sweeper = AbandonedUploads.start(vertx, objects, abandonedUploadMillis));
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(sweeper);
    return Future.succeededFuture();
  }

  /** Records an upload the payload describes; a payload refused before it is recorded does not keep its file. */
  private Future<JsonObject> uploading(JsonObject json, Function<Payload, Future<JsonObject>> record) {
    JsonObject artifact = json.getJsonObject("artifact");
    Future<JsonObject> recorded;
    try {
      recorded = record.apply(new Payload(json));
    } catch (McpException e) {
      recorded = Future.failedFuture(e);
    }
    return Datasets.removingArtifactOnFailure(objects, artifact == null ? null : StoredObject.fromJson(artifact),
        recorded);
  }

  /** The upload a payload describes; {@code created_by} names who uploaded it (null: the platform). */
  private static DatasetRegistry.Upload upload(Payload p, Caller caller) {
    StoredObject artifact = StoredObject.fromJson(p.object("artifact"));
    if (artifact.size() == 0) {
      throw McpException.invalidField("file", "the file is empty");
    }
    return new DatasetRegistry.Upload(artifact, Inspection.fromJson(p.object("inspection")), p.userObject("lineage"),
        caller == null ? null : caller.name());
  }
}
