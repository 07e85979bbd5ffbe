package io.mlplatform.data;

import io.mlplatform.formats.Inspection;
import io.mlplatform.formats.ParquetFiles;
import io.mlplatform.formats.TabularFormat;
import io.mlplatform.formats.TabularFiles;
import io.mlplatform.mcp.Addresses;
import io.mlplatform.mcp.Caller;
import io.mlplatform.mcp.Envelope;
import io.mlplatform.mcp.McpException;
import io.mlplatform.mcp.OperationRouter;
import io.mlplatform.mcp.Payload;
import io.mlplatform.storage.AbandonedUploads;
import io.mlplatform.storage.ObjectStore;
import io.mlplatform.storage.ObjectInputFile;
import io.mlplatform.storage.StoredObject;
import io.mlplatform.storage.Stores;
import io.mlplatform.storage.VersionedCollection;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;

import java.io.InputStream;
import java.util.function.Supplier;

/**
 * The data server: datasets and their immutable versions. The gateway streams a version's file to the object store
 * and reads its schema on the way; this server records it, serves previews, and deletes the objects with the data.
 */
public final class DataServerVerticle extends VerticleBase {
  private final String nodeId;
  private final Stores stores;
  private VersionedCollection datasets;
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
    datasets = new VersionedCollection(stores.mongo(vertx), "dataset", "datasets", "dataset_versions");
    objects = stores.objects();
    OperationRouter router = new OperationRouter(new Envelope.Party("data-server@" + nodeId, "data-server"))
        .onBehalf("dataset.create", this::createDataset)
        .on("dataset.list", this::listDatasets)
        .on("dataset.get", this::getDataset)
        .on("dataset.delete", this::deleteDataset)
        .onBehalf("dataset.version.create", this::createVersion)
        .on("dataset.version.list", p -> datasets.listVersions(new Payload(p).name("name")))
        .on("dataset.version.get", p -> version(new Payload(p)))
        .on("dataset.version.preview", this::preview);
    return datasets.ensureIndexes()
        .compose(v -> router.bind(vertx, Addresses.DATA_SERVER))
        .onSuccess(bound -> sweeper = AbandonedUploads.start(vertx, objects, abandonedUploadMillis));
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(sweeper);
    return Future.succeededFuture();
  }

  /** A new dataset with its first version; on any failure neither the dataset nor the uploaded file remains. */
  private Future<JsonObject> createDataset(JsonObject json, Caller caller) {
    return removingArtifactOnFailure(json, () -> {
      Payload p = new Payload(json);
      String name = p.name("name");
      JsonObject fields = versionFields(p, caller);
      JsonObject about = new JsonObject()
          .put("description", p.optionalString("description") == null ? "" : p.optionalString("description"))
          .put("tags", p.tags("tags") == null ? new JsonObject() : p.tags("tags"));
      return datasets.create(name, about).compose(dataset -> datasets.createVersion(name, fields)
          .map(version -> dataset.put("latest_version", version.getInteger("version")).put("version", version))
          .recover(failure -> datasets.forget(name).transform(v -> Future.failedFuture(failure))));
    });
  }

  private Future<JsonObject> createVersion(JsonObject json, Caller caller) {
    return removingArtifactOnFailure(json, () -> {
      Payload p = new Payload(json);
      String name = p.name("name");
      JsonObject fields = versionFields(p, caller);
      return datasets.get(name).compose(dataset -> datasets.createVersion(name, fields));
    });
  }

  private Future<JsonObject> removingArtifactOnFailure(JsonObject json, Supplier<Future<JsonObject>> action) {
    JsonObject artifact = json.getJsonObject("artifact");
    Future<JsonObject> result;
    try {
      result = action.get();
    } catch (McpException e) {
      result = Future.failedFuture(e);
    }
    return result.recover(failure -> artifact == null
        ? Future.failedFuture(failure)
        : objects.remove(StoredObject.fromJson(artifact)).transform(v -> Future.failedFuture(failure)));
  }

  /** A version's fields from the upload's payload; {@code created_by} names who uploaded it (null: the platform). */
  private static JsonObject versionFields(Payload p, Caller caller) {
    StoredObject artifact = StoredObject.fromJson(p.object("artifact"));
    if (artifact.size() == 0) {
      throw McpException.invalidField("file", "the file is empty");
    }
    Inspection inspection = Inspection.fromJson(p.object("inspection"));
    JsonObject lineage = p.userObject("lineage");
    return inspection.toJson()
        .put("lineage", lineage)
        .put("size", artifact.size())
        .put("sha256", artifact.sha256())
        .put("filename", artifact.filename())
        .put("artifact", artifact.toJson())
        .put("created_by", caller == null ? null : caller.name());
  }

  private Future<JsonObject> listDatasets(JsonObject json) {
    Payload p = new Payload(json);
    return datasets.list(p.optionalString("search"), p.optionalInt("limit", 50, 1, 1000),
        p.optionalInt("offset", 0, 0, Integer.MAX_VALUE));
  }

  private Future<JsonObject> getDataset(JsonObject json) {
    String name = new Payload(json).name("name");
    return datasets.get(name).compose(dataset -> datasets.listVersions(name)
        .map(versions -> dataset.put("versions", versions.getJsonArray("items"))));
  }

  private Future<JsonObject> deleteDataset(JsonObject json) {
    String name = new Payload(json).name("name");
    return datasets.delete(name).compose(objects::removeAll).map(v -> new JsonObject().put("deleted", name));
  }

  /** The version a payload names by "name" and "version" (a number or "latest"). */
  private Future<JsonObject> version(Payload p) {
    String name = p.name("name");
    String ref = p.string("version");
    if ("latest".equals(ref)) {
      return datasets.get(name).compose(dataset -> datasets.version(name, dataset.getInteger("latest_version")));
    }
    Integer number = VersionedCollection.number(ref);
    if (number == null) {
      return Future.failedFuture(McpException.notFound("dataset '" + name + "' has no version '" + ref + "'"));
    }
    return datasets.get(name).compose(dataset -> datasets.version(name, number));
  }

  private Future<JsonObject> preview(JsonObject json) {
    Payload p = new Payload(json);
    int limit = p.optionalInt("limit", 20, 1, 1000);
    return version(p).compose(version -> {
      Inspection schema = Inspection.fromJson(version);
      StoredObject artifact = StoredObject.fromJson(version.getJsonObject("artifact"));
      return objects.blocking(() -> {
        if (schema.format() == TabularFormat.PARQUET) {
          return ParquetFiles.preview(new ObjectInputFile(objects, artifact), limit);
        }
        try (InputStream in = objects.openBlocking(artifact.bucket(), artifact.key())) {
          return TabularFiles.preview(in, schema, limit);
        }
      }).map(rows -> new JsonObject().put("dataset", version.getString("dataset"))
          .put("version", version.getInteger("version"))
          .put("schema", version.getJsonArray("schema")).put("rows", rows));
    });
  }
}
