package io.mlplatform.data;

import io.mlplatform.formats.Inspection;
import io.mlplatform.formats.ParquetFiles;
import io.mlplatform.formats.TabularFiles;
import io.mlplatform.formats.TabularFormat;
import io.mlplatform.mcp.McpException;
import io.mlplatform.storage.ObjectInputFile;
import io.mlplatform.storage.ObjectStore;
import io.mlplatform.storage.StoredObject;
import io.mlplatform.storage.VersionedCollection;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;

import java.io.InputStream;

/** The data registry on MongoDB (datasets, versions) and the object store (their files). */
final class Datasets implements DatasetRegistry {
  private final VersionedCollection datasets;
  private final ObjectStore objects;

  Datasets(MongoClient mongo, ObjectStore objects) {
    this.datasets = new VersionedCollection(mongo, "dataset", "datasets", "dataset_versions");
    this.objects = objects;
  }

  Future<Void> ensureIndexes() {
    return datasets.ensureIndexes();
  }

  @Override
  public Future<JsonObject> create(String name, Upload first, String description, JsonObject tags) {
    JsonObject about = new JsonObject().put("description", description == null ? "" : description)
        .put("tags", tags == null ? new JsonObject() : tags);
    return removingArtifactOnFailure(first, datasets.create(name, about)
        .compose(dataset -> datasets.createVersion(name, fields(first))
            .map(version -> dataset.put("latest_version", version.getInteger("version")).put("version", version))
            .recover(failure -> datasets.forget(name).transform(v -> Future.failedFuture(failure)))));
  }

  @Override
  public Future<JsonObject> addVersion(String name, Upload upload) {
    return removingArtifactOnFailure(upload, datasets.get(name)
        .compose(dataset -> datasets.createVersion(name, fields(upload))));
  }

  /** The upload's file is removed when recording it failed. */
  static Future<JsonObject> removingArtifactOnFailure(ObjectStore objects, StoredObject artifact,
                                                      Future<JsonObject> recorded) {
    return recorded.recover(failure -> artifact == null
        ? Future.failedFuture(failure)
        : objects.remove(artifact).transform(v -> Future.failedFuture(failure)));
  }

  private Future<JsonObject> removingArtifactOnFailure(Upload upload, Future<JsonObject> recorded) {
    return removingArtifactOnFailure(objects, upload.artifact(), recorded);
  }

  /** A version's fields as stored. */
  private static JsonObject fields(Upload upload) {
    StoredObject artifact = upload.artifact();
    return upload.inspection().toJson()
        .put("lineage", upload.lineage())
        .put("size", artifact.size())
        .put("sha256", artifact.sha256())
        .put("filename", artifact.filename())
        .put("artifact", artifact.toJson())
        .put("created_by", upload.createdBy());
  }

  @Override
  public Future<JsonObject> list(String search, int limit, int offset) {
    return datasets.list(search, limit, offset);
  }

  @Override
  public Future<JsonObject> get(String name) {
    return datasets.get(name).compose(dataset -> datasets.listVersions(name)
        .map(versions -> dataset.put("versions", versions.getJsonArray("items"))));
  }

  @Override
  public Future<JsonObject> delete(String name) {
    return datasets.delete(name).compose(objects::removeAll).map(v -> new JsonObject().put("deleted", name));
  }

  @Override
  public Future<JsonObject> versions(String name) {
    return datasets.listVersions(name);
  }

  @Override
  public Future<JsonObject> version(String name, String ref) {
    if ("latest".equals(ref)) {
      return datasets.get(name).compose(dataset -> datasets.version(name, dataset.getInteger("latest_version")));
    }
    Integer number = VersionedCollection.number(ref);
    if (number == null) {
      return Future.failedFuture(McpException.notFound("dataset '" + name + "' has no version '" + ref + "'"));
    }
    return datasets.get(name).compose(dataset -> datasets.version(name, number));
  }

  @Override
  public Future<JsonObject> preview(String name, String ref, int limit) {
    return version(name, ref).compose(version -> {
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
