package io.mlplatform.runtime;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;

import java.util.List;
import java.util.Map;

/**
 * A model scored in this JVM: CPU work, so a batch runs on the worker pool the model was loaded with, unless its
 * measured cost says it takes less than a hop to a worker and back (a tiny model's few rows: tens of microseconds):
 * then it runs on the calling event loop, where its answer is needed anyway.
 */
public abstract class InProcessModel implements LoadedModel {
  /** The longest a batch may be expected to take and still run on an event loop. */
  static final long INLINE_NANOS = 100_000;
  /**
   * Weights of the latest call in the running estimate of the time per row: a faster call counts more than a slower
   * one, and a slower one counts as at most twice the estimate. A call's time holds whatever stopped its thread (a GC
   * pause, the OS running something else, a cold first call): one such call must not send a cheap model to the
   * workers for the next hundred, while a model that really got slower still moves the estimate up by 5 % a call.
   */
  private static final double FASTER = 0.25;
  private static final double SLOWER = 0.05;

  private final String platform;
  private final List<TensorSpec> inputs;
  private final List<TensorSpec> outputs;
  private final WorkerExecutor workers;
  /** Running estimate of a call's time per row; unknown (no inline run) until a call was measured. */
  private volatile double nanosPerRow = Double.NaN;

  protected InProcessModel(String platform, List<TensorSpec> inputs, List<TensorSpec> outputs, WorkerExecutor workers) {
    this.platform = platform;
    this.inputs = List.copyOf(inputs);
    this.outputs = List.copyOf(outputs);
    this.workers = workers;
  }

  /** Scores a batch on the calling thread. */
  protected abstract Map<String, Tensor> run(Map<String, Tensor> batch) throws Exception;

  @Override
  public String platform() {
    return platform;
  }

  @Override
  public List<TensorSpec> inputs() {
    return inputs;
  }

  @Override
  public List<TensorSpec> outputs() {
    return outputs;
  }

  @Override
  public boolean scoresInline(int rows) {
    return nanosPerRow * Math.max(1, rows) < INLINE_NANOS;
  }

  @Override
  public Future<Map<String, Tensor>> predict(Map<String, Tensor> batch) {
    int rows = batch.isEmpty() ? 1 : Math.max(1, batch.values().iterator().next().rows());
    if (Context.isOnEventLoopThread() && scoresInline(rows)) {
      try {
        return Future.succeededFuture(timed(batch, rows));
      } catch (Exception e) {
        return Future.failedFuture(e);
      }
    }
    return workers.executeBlocking(() -> timed(batch, rows), false);
  }

  private Map<String, Tensor> timed(Map<String, Tensor> batch, int rows) throws Exception {
    long start = System.nanoTime();
    Map<String, Tensor> outputs = run(batch);
    double perRow = (System.nanoTime() - start) / (double) rows;
    double estimate = nanosPerRow;
    // racing updates from several threads lose a sample now and then: an estimate, not an account
    nanosPerRow = Double.isNaN(estimate) ? perRow
        : perRow < estimate ? estimate + FASTER * (perRow - estimate)
        : estimate + SLOWER * (Math.min(perRow, 2 * estimate) - estimate);
    return outputs;
  }
}
