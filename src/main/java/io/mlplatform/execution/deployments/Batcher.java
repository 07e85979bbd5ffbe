package io.mlplatform.execution.deployments;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.mlplatform.runtime.LoadedModel;
import io.mlplatform.runtime.Tensor;
import io.mlplatform.runtime.TensorSpec;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Adaptive batching for one replica: a request that finds the model idle runs at once; requests that arrive while
 * batches are running queue up and run together as the next batch (up to maxRows rows), so under load many
 * single-row requests cost one model call. With maxWaitMillis > 0, an idle model also waits that long for company.
 * Runs on the replica's event loop; the model scores on worker threads, or on this event loop when a batch costs
 * less than the hop to a worker ({@link io.mlplatform.runtime.InProcessModel}).
 * <p>
 * Requests for such a cheap model may also be {@link #gathered} on whatever event loop they arrived on: held until
 * that loop ends its round of I/O, then scored there together, one model call for all the requests its connections
 * brought in that round (one alone when the loop is idle, dozens under load).
 */
final class Batcher {
  private static final int MAX_IN_FLIGHT = 2;

  private record Pending(Map<String, Tensor> inputs, int rows, Promise<Map<String, Tensor>> promise, long queuedAt) {
  }

  private final Vertx vertx;
  private final LoadedModel model;
  private final boolean batchable;
  private final int maxRows;
  private final long maxWaitMillis;
  private final ArrayDeque<Pending> queue = new ArrayDeque<>();
  private int inFlight;
  /** Model calls made directly (the model does not batch): counted so that a stopping replica waits for them. */
  private int unbatched;
  private int queuedRows;
  private long waitTimer = -1;
  private long requests;
  private long modelCalls;
  /** Requests scored {@link #now} or {@link #gathered}, from any event loop, and the model calls that scored them. */
  private final LongAdder gatheredRequests = new LongAdder();
  private final LongAdder gatheredCalls = new LongAdder();
  /** The requests each event loop has gathered in its current round (each entry confined to its loop's thread). */
  private final Map<Thread, Gathering> gatherings = new ConcurrentHashMap<>();
  /** Rows per model call, and how long a request waited in the queue for its batch. */
  private final DistributionSummary batchRows;
  private final Timer queueWait;

  Batcher(Vertx vertx, LoadedModel model, boolean enabled, int maxRows, long maxWaitMillis, MeterRegistry meters,
          Tags tags) {
    this.vertx = vertx;
    this.model = model;
    this.batchable = enabled && model.batchable() && leadingBatchDimension(model.inputs())
        && leadingBatchDimension(model.outputs());
    this.maxRows = maxRows;
    this.maxWaitMillis = maxWaitMillis;
    this.batchRows = DistributionSummary.builder("mlplatform.batch.size").description("rows per model call")
        .baseUnit("rows").tags(tags).publishPercentileHistogram().maximumExpectedValue((double) Math.max(maxRows, 1))
        .register(meters);
    this.queueWait = Timer.builder("mlplatform.batch.queue").description("time a request waited for its batch")
        .tags(tags).publishPercentileHistogram().register(meters);
  }

  void removeMeters(MeterRegistry meters) {
    meters.remove(batchRows);
    meters.remove(queueWait);
  }

  private static boolean leadingBatchDimension(List<TensorSpec> specs) {
    return specs.stream().allMatch(spec -> spec.shape().length > 0 && spec.shape()[0] < 0);
  }

  boolean batching() {
    return batchable;
  }

  /** Requests queued or running (but those scored {@link #now} or {@link #gathered}, which the replica counts). */
  int pending() {
    return queue.size() + inFlight + unbatched;
  }

  /** Requests taken and model calls made so far: their ratio is how much batching saved. */
  JsonObject stats() {
    return new JsonObject().put("enabled", batchable).put("max_batch_size", maxRows).put("max_wait_ms", maxWaitMillis)
        .put("requests", requests + gatheredRequests.sum()).put("model_calls", modelCalls + gatheredCalls.sum());
  }

  /**
   * Whether a request of {@code rows} rows may be {@link #gathered}: the model scores it inline and no wait for
   * company was asked for ({@code max_wait_ms} 0), so {@link #submit} would run it on an event loop at once anyway.
   */
  boolean scoresNow(int rows) {
    return maxWaitMillis == 0 && model.scoresInline(rows);
  }

  /** Scores a request on the calling thread at once, outside the replica's queue (see {@link #scoresNow}). */
  private Future<Map<String, Tensor>> now(Map<String, Tensor> inputs) {
    gatheredRequests.increment();
    gatheredCalls.increment();
    batchRows.record(rows(inputs));
    return model.predict(inputs);
  }

  /**
   * Scores a request on the calling event loop, outside the replica's queue: with the others this loop takes in its
   * current round of I/O, once that round ends (see {@link #scoresNow}). Off an event loop, at once.
   */
  Future<Map<String, Tensor>> gathered(Map<String, Tensor> inputs) {
    if (!Context.isOnEventLoopThread() || !batchable) {
      return now(inputs);
    }
    gatheredRequests.increment();
    Pending pending = new Pending(inputs, rows(inputs), Promise.promise(), System.nanoTime());
    gatherings.computeIfAbsent(Thread.currentThread(), thread -> new Gathering()).add(pending);
    return pending.promise().future();
  }

  /** One event loop's requests of its current round: scored together when the loop runs its tasks. */
  private final class Gathering {
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();

    void add(Pending request) {
      if (pending.isEmpty()) {
        // the loop runs its tasks once it has handled the I/O it woke up for: every request of this round is in
        vertx.getOrCreateContext().runOnContext(v -> score());
      }
      pending.add(request);
    }

    private void score() {
      while (!pending.isEmpty()) {
        List<Pending> batch = nextBatch(pending);
        gatheredCalls.increment();
        run(batch);
      }
    }
  }

  Future<Map<String, Tensor>> submit(Map<String, Tensor> inputs) {
    requests++;
    if (!batchable) {
      modelCalls++;
      unbatched++;
      batchRows.record(rows(inputs));
      return model.predict(inputs).andThen(done -> unbatched--);
    }
    int rows = rows(inputs);
    Pending pending = new Pending(inputs, rows, Promise.promise(), System.nanoTime());
    queue.add(pending);
    queuedRows += rows;
    drain();
    return pending.promise().future();
  }

  private void drain() {
    while (inFlight < MAX_IN_FLIGHT && !queue.isEmpty()) {
      if (maxWaitMillis > 0 && inFlight == 0 && queuedRows < maxRows) {
        if (waitTimer < 0) {
          waitTimer = vertx.setTimer(maxWaitMillis, id -> {
            waitTimer = -1;
            runNext();
            drain();
          });
        }
        return;
      }
      runNext();
    }
  }

  private void runNext() {
    if (queue.isEmpty()) {
      return;
    }
    List<Pending> batch = nextBatch(queue);
    inFlight++;
    modelCalls++;
    run(batch).onComplete(done -> {
      inFlight--;
      drain();
    });
  }

  /** The next batch off {@code from}: its first request and those after it that fit (rows, tensor shapes), metered. */
  private List<Pending> nextBatch(ArrayDeque<Pending> from) {
    List<Pending> batch = new ArrayList<>();
    int rows = 0;
    Pending first = from.peek();
    while (!from.isEmpty() && (batch.isEmpty()
        || rows + from.peek().rows() <= maxRows && stackable(first.inputs(), from.peek().inputs()))) {
      Pending next = from.poll();
      batch.add(next);
      rows += next.rows();
    }
    if (from == queue) {
      queuedRows -= rows;
    }
    long now = System.nanoTime();
    batch.forEach(p -> queueWait.record(now - p.queuedAt(), TimeUnit.NANOSECONDS));
    batchRows.record(rows);
    return batch;
  }

  private static int rows(Map<String, Tensor> inputs) {
    return inputs.values().iterator().next().rows();
  }

  private Future<Void> run(List<Pending> batch) {
    if (batch.size() == 1) {
      Pending only = batch.get(0);
      return model.predict(only.inputs()).andThen(only.promise()).mapEmpty();
    }
    Map<String, Tensor> stacked = new LinkedHashMap<>();
    for (String name : batch.get(0).inputs().keySet()) {
      stacked.put(name, Tensor.concat(batch.stream().map(p -> p.inputs().get(name)).toList()));
    }
    return model.predict(stacked).andThen(outcome -> {
      if (outcome.failed()) {
        batch.forEach(p -> p.promise().fail(outcome.cause()));
        return;
      }
      int at = 0;
      for (Pending pending : batch) {
        Map<String, Tensor> slice = new LinkedHashMap<>();
        for (Tensor output : outcome.result().values()) {
          slice.put(output.name(), output.slice(at, pending.rows()));
        }
        at += pending.rows();
        pending.promise().complete(slice);
      }
    }).mapEmpty();
  }

  /** Whether two requests' tensors can share a batch: the same inner dimensions for every input. */
  private static boolean stackable(Map<String, Tensor> a, Map<String, Tensor> b) {
    for (Map.Entry<String, Tensor> entry : a.entrySet()) {
      Tensor other = b.get(entry.getKey());
      long[] x = entry.getValue().shape();
      long[] y = other.shape();
      if (x.length != y.length || !Arrays.equals(x, 1, x.length, y, 1, y.length)) {
        return false;
      }
    }
    return true;
  }
}
