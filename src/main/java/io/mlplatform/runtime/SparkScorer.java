package io.mlplatform.runtime;

import io.mlplatform.storage.ObjectStore;
import io.mlplatform.storage.StoredObject;
import io.vertx.core.json.JsonObject;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.util.Map;

/**
 * How a format's versions score the rows of a dataset in Spark: batch predictions, and evaluations (which judge the
 * scores against a label, unless the scorer is also {@link SelfEvaluating}).
 */
public interface SparkScorer {
  /**
   * The dataset's columns plus the model's outputs. {@code leftOut} ends the log line that counts the rows it did not
   * score ("N rows …"), or is null when it scores every row.
   */
  record Scored(Dataset<Row> rows, String leftOut) {
  }

  /**
   * Checks a scoring request against the version and the dataset's columns (name → type) before it is queued, with a
   * 400 naming the first problem; answers the fields the scoring needs (the feature columns), added to the request.
   */
  JsonObject check(JsonObject request, JsonObject version, Map<String, String> columns);

  /** Scores the rows with the version's artifact, as a checked request asks. Blocking: runs Spark jobs. */
  Scored score(JsonObject request, Dataset<Row> data, ObjectStore objects, StoredObject artifact) throws Exception;

}
