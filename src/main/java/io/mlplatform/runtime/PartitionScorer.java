package io.mlplatform.runtime;

import io.mlplatform.storage.ObjectStore;
import io.mlplatform.storage.StoredObject;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.io.InputStream;
import java.util.List;
import java.util.Map;

/**
 * A scorer whose model file travels to the Spark tasks whole, in their closure, and is loaded once a partition: it
 * takes some of the dataset's columns as features and scores every row.
 */
public abstract class PartitionScorer implements SparkScorer {
  /** The feature columns the model takes, checked against the dataset's columns (name → type). */
  protected abstract List<String> features(JsonObject request, JsonObject signature, Map<String, String> columns);

  /** The rows with the model's outputs added as columns. */
  protected abstract Dataset<Row> score(Dataset<Row> data, List<String> features, byte[] model) throws Exception;

  @Override
  public final JsonObject check(JsonObject request, JsonObject version, Map<String, String> columns) {
    return new JsonObject().put("features", new JsonArray(features(request, version.getJsonObject("signature"),
        columns)));
  }

  @Override
  public final Scored score(JsonObject request, Dataset<Row> data, ObjectStore objects, StoredObject artifact)
      throws Exception {
    byte[] model;
    try (InputStream in = objects.openBlocking(artifact.bucket(), artifact.key())) {
      model = in.readAllBytes();
    }
    List<String> features = request.getJsonArray("features").stream().map(String.class::cast).toList();
    return new Scored(score(data, features, model), null);
  }
}
