package io.mlplatform.runtime;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("fast")
@DisplayName("Where an in-process model scores a batch: on the calling event loop when it is cheap, else on its workers")
class InProcessModelTest {
  private static final List<TensorSpec> SPEC = List.of(new TensorSpec("x", DataType.FP32, new long[]{-1, 1}));

  private Vertx vertx;
  private WorkerExecutor workers;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    workers = vertx.createSharedWorkerExecutor("test-inference", 2);
  }

  @AfterEach
  void stop() throws Exception {
    workers.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  /** A model that doubles its input after spinning {@code nanosPerRow} per row, noting the thread of each call. */
  private static final class Spinning extends InProcessModel {
    final List<String> threads = Collections.synchronizedList(new ArrayList<>());
    private final long nanosPerRow;
    /** A stall the next call suffers once (a GC pause, a preemption). */
    volatile long stallNanos;

    Spinning(WorkerExecutor workers, long nanosPerRow) {
      super("test", SPEC, SPEC, workers);
      this.nanosPerRow = nanosPerRow;
    }

    @Override
    protected Map<String, Tensor> run(Map<String, Tensor> batch) {
      threads.add(Thread.currentThread().getName());
      Tensor x = batch.get("x");
      long until = System.nanoTime() + nanosPerRow * x.rows() + stallNanos;
      stallNanos = 0;
      while (System.nanoTime() < until) {
        Thread.onSpinWait();
      }
      float[] in = (float[]) x.data();
      float[] out = new float[in.length];
      for (int i = 0; i < in.length; i++) {
        out[i] = in[i] * 2;
      }
      return Map.of("x", new Tensor("x", DataType.FP32, x.shape(), out));
    }

    @Override
    public void close() {
    }
  }

  private static Map<String, Tensor> rows(int rows) {
    float[] values = new float[rows];
    for (int i = 0; i < rows; i++) {
      values[i] = i;
    }
    return Map.of("x", new Tensor("x", DataType.FP32, new long[]{rows, 1}, values));
  }

  /** Calls the model {@code times} times, one after the other, from an event loop; the last call's outputs. */
  private Map<String, Tensor> callFromEventLoop(InProcessModel model, int times, int rows) throws Exception {
    Context loop = vertx.getOrCreateContext();
    return Future.<Map<String, Tensor>>future(promise -> loop.runOnContext(v -> {
      Future<Map<String, Tensor>> chain = model.predict(rows(rows));
      for (int i = 1; i < times; i++) {
        chain = chain.compose(previous -> model.predict(rows(rows)));
      }
      chain.onComplete(promise);
    })).await(30, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("a tiny model is measured on a worker first, then scores on the event loop, with the same answers")
  void tinyModelRunsInline() throws Exception {
    Spinning model = new Spinning(workers, 0);
    Map<String, Tensor> out = callFromEventLoop(model, 20, 4);
    assertThat((float[]) out.get("x").data()).containsExactly(0f, 2f, 4f, 6f);
    assertThat(model.threads.get(0)).startsWith("test-inference");
    // the first call, on a worker, may be slowed by a cold start or a busy machine: the estimate falls within a few
    int firstInline = model.threads.indexOf(model.threads.stream().filter(name -> name.startsWith("vert.x-eventloop"))
        .findFirst().orElseThrow());
    assertThat(firstInline).isBetween(1, 8);
    assertThat(model.threads.subList(firstInline, 20)).allMatch(name -> name.startsWith("vert.x-eventloop"));
  }

  @Test
  @DisplayName("one stalled call (a pause of 20 ms) does not send a cheap model back to the workers")
  void oneStallIsNotACost() throws Exception {
    Spinning model = new Spinning(workers, 0);
    callFromEventLoop(model, 20, 4);
    model.stallNanos = 20_000_000;
    model.threads.clear();
    callFromEventLoop(model, 10, 4);
    assertThat(model.threads).hasSize(10).allMatch(name -> name.startsWith("vert.x-eventloop"));
  }

  @Test
  @DisplayName("a model costing more than the hop stays on the workers; so does a cheap model asked with many rows")
  void costlyBatchesStayOnWorkers() throws Exception {
    Spinning slow = new Spinning(workers, 200_000);
    callFromEventLoop(slow, 5, 2);
    assertThat(slow.threads).allMatch(name -> name.startsWith("test-inference"));

    Spinning cheap = new Spinning(workers, 1_000);
    callFromEventLoop(cheap, 5, 2);
    assertThat(cheap.threads.subList(1, 5)).allMatch(name -> name.startsWith("vert.x-eventloop"));
    cheap.threads.clear();
    callFromEventLoop(cheap, 3, 1_000);
    assertThat(cheap.threads).allMatch(name -> name.startsWith("test-inference"));
  }

  @Test
  @DisplayName("called from a worker thread (a job, a workflow step), a model always scores on its own workers")
  void notOnEventLoopGoesToWorkers() throws Exception {
    Spinning model = new Spinning(workers, 0);
    for (int i = 0; i < 5; i++) {
      model.predict(rows(2)).await(10, TimeUnit.SECONDS);
    }
    assertThat(model.threads).allMatch(name -> name.startsWith("test-inference"));
  }
}
