package io.mlplatform.runtime;

import io.vertx.core.Future;

import java.util.List;
import java.util.Map;

/** A model version loaded in memory and ready to score batches of tensors. */
public interface LoadedModel extends AutoCloseable {
  /** The runtime's name, as the Open Inference Protocol's metadata reports it. */
  String platform();

  List<TensorSpec> inputs();

  List<TensorSpec> outputs();

  /** Scores a batch (inputs already checked against {@link #inputs()}); answers the output tensors by name. */
  Future<Map<String, Tensor>> predict(Map<String, Tensor> inputs);

  /**
   * Whether a call of {@code rows} rows is expected to score on the calling event loop (cheaper than a hop to a
   * worker thread and back), as {@link #predict} would then do.
   */
  default boolean scoresInline(int rows) {
    return false;
  }

  /** Whether requests for this model may be stacked into one batch. */
  default boolean batchable() {
    return true;
  }

  /**
   * How long one request may take here before a client sends it to another replica as well (ms): scoring in
   * process is quick, so past this the replica is most likely stopped or gone.
   */
  default long attemptMillis() {
    return 2000;
  }

  @Override
  void close();
}
