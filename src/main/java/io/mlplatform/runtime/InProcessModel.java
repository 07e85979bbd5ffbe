package io.mlplatform.runtime;

import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;

import java.util.List;
import java.util.Map;

/** A model scored in this JVM: CPU work, so each batch runs on the worker pool it was loaded with. */
public abstract class InProcessModel implements LoadedModel {
  private final String platform;
  private final List<TensorSpec> inputs;
  private final List<TensorSpec> outputs;
  private final WorkerExecutor workers;

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
  public Future<Map<String, Tensor>> predict(Map<String, Tensor> batch) {
    return workers.executeBlocking(() -> run(batch), false);
  }
}
