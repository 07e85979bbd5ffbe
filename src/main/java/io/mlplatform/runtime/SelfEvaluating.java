package io.mlplatform.runtime;

import io.mlplatform.storage.ObjectStore;
import io.mlplatform.storage.StoredObject;
import io.vertx.core.json.JsonObject;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.util.Map;
import java.util.function.Consumer;

/**
 * A scorer whose versions know their label and how they are judged (a pipeline trained here): an evaluation asks
 * them, rather than judging their outputs against a label the request names.
 */
public interface SelfEvaluating {
  /** The metrics, and how many rows the version could not be judged on. */
  record Evaluation(JsonObject metrics, long droppedRows) {
  }

  /**
   * Checks an evaluation request against the version and the dataset's columns before it is queued; answers the
   * fields the evaluation needs, added to the request.
   */
  JsonObject checkEvaluation(JsonObject request, JsonObject version, Map<String, String> columns);

  /** Judges the version on the rows, as a checked request asks; {@code log} tells what it left out. Blocking. */
  Evaluation evaluate(JsonObject request, Dataset<Row> data, ObjectStore objects, StoredObject artifact,
                      Consumer<String> log) throws Exception;
}
