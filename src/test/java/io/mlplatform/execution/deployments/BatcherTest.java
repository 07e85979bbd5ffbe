package io.mlplatform.execution.deployments;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mlplatform.runtime.DataType;
import io.mlplatform.runtime.LoadedModel;
import io.mlplatform.runtime.Tensor;
import io.mlplatform.runtime.TensorSpec;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("fast")
@DisplayName("Batcher: one replica's requests stacked into few model calls, each request answered with its own rows")
class BatcherTest {
  /** x: rows of any width; y = 2x, row for row. */
  private static final List<TensorSpec> IN = List.of(new TensorSpec("x", DataType.FP32, new long[]{-1, -1}));
  private static final List<TensorSpec> OUT = List.of(new TensorSpec("y", DataType.FP32, new long[]{-1, -1}));

  private Vertx vertx;
  private Context loop;

  @BeforeEach
  void start() {
    vertx = Vertx.vertx();
    loop = vertx.getOrCreateContext();
  }

  @AfterEach
  void stop() {
    await(vertx.close());
  }

  /** One model call: what it was given and when, and the promise the test completes to answer it. */
  private record Call(Tensor x, long atNanos, Promise<Map<String, Tensor>> answer) {
    float[] values() {
      return (float[]) x.data();
    }
  }

  /**
   * A model that answers y = 2x only when the test releases a call, so a call can be held "running"; the record's
   * accessors are the model's inputs, outputs and batchable.
   */
  private record HeldModel(List<TensorSpec> inputs, List<TensorSpec> outputs, boolean batchable, List<Call> calls)
      implements LoadedModel {
    HeldModel(List<TensorSpec> inputs, List<TensorSpec> outputs, boolean batchable) {
      this(inputs, outputs, batchable, new CopyOnWriteArrayList<>());
    }

    HeldModel() {
      this(IN, OUT, true);
    }

    @Override
    public String platform() {
      return "test";
    }

    @Override
    public Future<Map<String, Tensor>> predict(Map<String, Tensor> batch) {
      Promise<Map<String, Tensor>> answer = Promise.promise();
      calls.add(new Call(batch.get("x"), System.nanoTime(), answer));
      return answer.future();
    }

    /** Answers call {@code i} with y = 2x. */
    void release(int i) {
      Call call = calls.get(i);
      call.answer().complete(Map.of("y", new Tensor("y", DataType.FP32, call.x().shape(), doubled(call.values()))));
    }

    List<Integer> rowsPerCall() {
      return calls.stream().map(call -> call.x().rows()).toList();
    }

    @Override
    public void close() {
    }
  }

  private Batcher batcher(LoadedModel model, int maxRows, long maxWaitMillis) {
    return new Batcher(vertx, model, true, maxRows, maxWaitMillis, new SimpleMeterRegistry(), Tags.empty());
  }

  /** {@code rows} rows of {@code width} values, numbered from {@code first} so that each request's rows differ. */
  private static Map<String, Tensor> request(float first, int rows, int width) {
    float[] values = new float[rows * width];
    for (int i = 0; i < values.length; i++) {
      values[i] = first + i;
    }
    return Map.of("x", new Tensor("x", DataType.FP32, new long[]{rows, width}, values));
  }

  /** Runs {@code action} on the batcher's event loop (it is not thread-safe) and waits for its result. */
  private <T> T onLoop(Supplier<T> action) {
    return await(Future.<T>future(promise -> loop.runOnContext(v -> promise.complete(action.get()))));
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.await(5, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("no answer within 5 s", e);
    }
  }

  private void onLoop(Runnable action) {
    onLoop(() -> {
      action.run();
      return null;
    });
  }

  private static float[] answer(Future<Map<String, Tensor>> future) {
    Map<String, Tensor> outputs = await(future);
    assertThat(outputs).containsOnlyKeys("y");
    return (float[]) outputs.get("y").data();
  }

  private static float[] doubled(Map<String, Tensor> request) {
    return doubled((float[]) request.get("x").data());
  }

  private static float[] doubled(float[] in) {
    float[] out = new float[in.length];
    for (int i = 0; i < in.length; i++) {
      out[i] = in[i] * 2;
    }
    return out;
  }

  /** {@code n} one-row requests, each with its own values. */
  private static List<Map<String, Tensor>> singleRows(int n) {
    List<Map<String, Tensor>> requests = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      requests.add(request(100 * i, 1, 2));
    }
    return requests;
  }

  /** Submits the requests in one turn of the event loop, as a burst of traffic would arrive. */
  private List<Future<Map<String, Tensor>>> submitAll(Batcher batcher, List<Map<String, Tensor>> requests) {
    return onLoop(() -> requests.stream().map(batcher::submit).toList());
  }

  /** Each request was answered with y = 2x of its own rows, whatever batch it ran in. */
  private static void assertOwnRowsBack(List<Future<Map<String, Tensor>>> answers, List<Map<String, Tensor>> requests) {
    for (int i = 0; i < requests.size(); i++) {
      assertThat(answer(answers.get(i))).as("request %d", i).containsExactly(doubled(requests.get(i)));
    }
  }

  /**
   * Submits the requests as one burst to a batcher of {@code maxRows} rows, answers every model call and checks that
   * each request got its own rows back; the model, to see how it was called.
   */
  private HeldModel scoreBurst(int maxRows, List<Map<String, Tensor>> requests) {
    HeldModel model = new HeldModel();
    List<Future<Map<String, Tensor>>> answers = submitAll(batcher(model, maxRows, 0), requests);
    releaseAll(model, answers);
    assertOwnRowsBack(answers, requests);
    return model;
  }

  private static List<Float> flat(List<float[]> arrays) {
    List<Float> values = new ArrayList<>();
    arrays.forEach(array -> {
      for (float v : array) {
        values.add(v);
      }
    });
    return values;
  }

  /** Answers every call made so far and any the answers lead to, until every request is answered. */
  private void releaseAll(HeldModel model, List<Future<Map<String, Tensor>>> futures) {
    int released = 0;
    while (!futures.stream().allMatch(Future::isComplete)) {
      assertThat(released).as("requests left unanswered with no model call running").isLessThan(model.calls().size());
      int i = released++;
      onLoop(() -> model.release(i));
    }
  }

  @Test
  @DisplayName("a request that finds the model idle is scored at once, on its own, and gets the model's answer")
  void idleModelRunsAtOnce() {
    HeldModel model = new HeldModel();
    Batcher batcher = batcher(model, 8, 0);
    Map<String, Tensor> request = request(1, 3, 2);
    Future<Map<String, Tensor>> answer = onLoop(() -> batcher.submit(request));
    assertThat(model.calls()).hasSize(1);
    assertThat(model.calls().get(0).values()).containsExactly((float[]) request.get("x").data());
    assertThat(answer.isComplete()).isFalse();
    assertThat(batcher.pending()).isEqualTo(1);

    onLoop(() -> model.release(0));
    assertThat(answer(answer)).containsExactly(doubled(request));
    assertThat(batcher.pending()).isZero();
  }

  @Test
  @DisplayName("requests arriving while the model is busy share model calls of at most max_batch_size rows, each"
      + " answered with its own rows in order")
  void busyModelStacksRequests() {
    HeldModel model = new HeldModel();
    Batcher batcher = batcher(model, 4, 0);
    List<Map<String, Tensor>> requests = singleRows(10);
    List<Future<Map<String, Tensor>>> answers = submitAll(batcher, requests);
    assertThat(model.calls().size()).as("calls while the first batches run").isLessThan(requests.size());
    assertThat(batcher.pending()).isEqualTo(requests.size());

    releaseAll(model, answers);
    assertOwnRowsBack(answers, requests);
    List<Integer> rows = model.rowsPerCall();
    assertThat(rows.get(0)).as("the request that found the model idle").isEqualTo(1);
    assertThat(rows).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(4)).contains(4);
    assertThat(rows.stream().mapToInt(Integer::intValue).sum()).isEqualTo(10);
    // the model saw the requests' rows in the order they came
    assertThat(flat(model.calls().stream().map(Call::values).toList()))
        .isEqualTo(flat(requests.stream().map(request -> (float[]) request.get("x").data()).toList()));
    assertThat(batcher.stats().getLong("requests")).isEqualTo(10);
    assertThat(batcher.stats().getLong("model_calls")).isEqualTo(model.calls().size()).isLessThan(10);
    assertThat(batcher.pending()).isZero();
  }

  @Test
  @DisplayName("requests of several rows are stacked whole: a request that would pass max_batch_size waits for the"
      + " next call, and one larger than it runs alone")
  void multiRowRequestsAreNotSplit() {
    List<Map<String, Tensor>> requests = List.of(request(0, 1, 1), request(10, 1, 1), request(20, 3, 1),
        request(30, 2, 1), request(40, 7, 1), request(50, 1, 1));
    HeldModel model = scoreBurst(5, requests);
    // every call holds whole requests: its first value starts one of them
    List<Float> starts = requests.stream().map(r -> ((float[]) r.get("x").data())[0]).toList();
    assertThat(model.calls()).allSatisfy(call -> assertThat(starts).contains(call.values()[0]));
    assertThat(model.calls()).filteredOn(call -> call.x().rows() > 5).singleElement()
        .satisfies(call -> assertThat(call.values()).containsExactly((float[]) requests.get(4).get("x").data()));
    assertThat(model.calls()).filteredOn(call -> call.values()[0] != 40f)
        .allSatisfy(call -> assertThat(call.x().rows()).isLessThanOrEqualTo(5));
  }

  @Test
  @DisplayName("requests whose rows have different widths are never stacked into one call")
  void incompatibleShapesAreNotStacked() {
    List<Map<String, Tensor>> requests = List.of(request(0, 1, 2), request(10, 1, 2), request(20, 1, 2),
        request(30, 1, 3), request(40, 1, 3), request(50, 1, 2), request(60, 1, 2));
    HeldModel model = scoreBurst(64, requests);
    assertThat(model.calls()).allSatisfy(call -> assertThat(call.values().length).isEqualTo(call.x().rows()
        * (int) call.x().shape()[1]));
    assertThat(model.calls().stream().filter(call -> call.x().shape()[1] == 3).mapToInt(call -> call.x().rows()).sum())
        .isEqualTo(2);
    assertThat(model.calls().size()).as("some same-width requests were still stacked").isLessThan(requests.size());
  }

  @Test
  @DisplayName("a failed model call fails every request of its batch with the model's error, and later batches still run")
  void failedCallFailsTheWholeBatch() {
    HeldModel model = new HeldModel();
    Batcher batcher = batcher(model, 16, 0);
    List<Future<Map<String, Tensor>>> answers = submitAll(batcher, singleRows(6));
    int running = model.calls().size();
    // fail every call now running, and the stacked batch that follows them
    for (int i = 0; i < running; i++) {
      int call = i;
      onLoop(() -> model.calls().get(call).answer().fail(new IllegalStateException("model out of memory")));
    }
    assertThat(model.calls().size()).as("the waiting requests went to the model as one call").isEqualTo(running + 1);
    int stacked = model.calls().get(running).x().rows();
    assertThat(stacked).isGreaterThan(1);
    onLoop(() -> model.calls().get(running).answer().fail(new IllegalStateException("model out of memory")));
    for (Future<Map<String, Tensor>> answer : answers) {
      assertThatThrownBy(() -> await(answer)).hasMessageContaining("model out of memory");
    }
    assertThat(batcher.pending()).isZero();

    Map<String, Tensor> later = request(7, 2, 1);
    Future<Map<String, Tensor>> answer = onLoop(() -> batcher.submit(later));
    onLoop(() -> model.release(model.calls().size() - 1));
    assertThat(answer(answer)).containsExactly(doubled(later));
  }

  @Test
  @DisplayName("with max_wait_ms an idle model waits that long for company and scores the requests that came meanwhile"
      + " in one call")
  void maxWaitGathersCompany() {
    HeldModel model = new HeldModel();
    Batcher batcher = batcher(model, 8, 300);
    long submitted = System.nanoTime();
    Future<Map<String, Tensor>> first = onLoop(() -> batcher.submit(request(1, 1, 1)));
    assertThat(model.calls()).isEmpty();
    Future<Map<String, Tensor>> second = onLoop(() -> batcher.submit(request(2, 2, 1)));
    assertThat(model.calls()).isEmpty();
    assertThat(batcher.pending()).isEqualTo(2);

    Awaitility.await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(10))
        .until(() -> onLoop(() -> !model.calls().isEmpty()));
    assertThat(model.calls()).hasSize(1);
    assertThat(TimeUnit.NANOSECONDS.toMillis(model.calls().get(0).atNanos() - submitted)).isGreaterThanOrEqualTo(290);
    assertThat(model.calls().get(0).values()).containsExactly(1f, 2f, 3f);
    onLoop(() -> model.release(0));
    assertThat(answer(first)).containsExactly(2f);
    assertThat(answer(second)).containsExactly(4f, 6f);
    assertThat(batcher.stats().getLong("max_wait_ms")).isEqualTo(300);
  }

  @Test
  @DisplayName("with max_wait_ms, requests filling max_batch_size are scored at once without waiting")
  void fullBatchDoesNotWait() {
    HeldModel model = new HeldModel();
    Batcher batcher = batcher(model, 3, 60_000);
    Future<Map<String, Tensor>> answer = onLoop(() -> {
      batcher.submit(request(0, 1, 1));
      return batcher.submit(request(1, 2, 1));
    });
    assertThat(model.calls()).hasSize(1);
    assertThat(model.calls().get(0).values()).containsExactly(0f, 1f, 2f);
    onLoop(() -> model.release(0));
    assertThat(answer(answer)).containsExactly(2f, 4f);
  }

  @Test
  @DisplayName("stats() reports the settings and counts requests and model calls, so their ratio shows what batching saved")
  void statsCountRequestsAndCalls() {
    HeldModel model = new HeldModel();
    Batcher batcher = batcher(model, 32, 0);
    assertThat(batcher.stats().getMap()).containsEntry("enabled", true).containsEntry("max_batch_size", 32)
        .containsEntry("max_wait_ms", 0L).containsEntry("requests", 0L).containsEntry("model_calls", 0L);
    List<Future<Map<String, Tensor>>> answers = submitAll(batcher, singleRows(12));
    releaseAll(model, answers);
    assertThat(batcher.stats().getLong("requests")).isEqualTo(12);
    assertThat(batcher.stats().getLong("model_calls")).isEqualTo(model.calls().size());
    assertThat(model.calls().size()).isBetween(2, 4);
  }

  @Test
  @DisplayName("requests gathered in one turn of an event loop are scored together once it ends, in calls of at most"
      + " max_batch_size rows, each answered with its own rows")
  void gatheredOnOneTurnShareCalls() {
    HeldModel model = new HeldModel();
    Batcher batcher = batcher(model, 4, 0);
    List<Map<String, Tensor>> requests = singleRows(10);
    List<Future<Map<String, Tensor>>> answers = onLoop(() -> {
      List<Future<Map<String, Tensor>>> gathered = requests.stream().map(batcher::gathered).toList();
      assertThat(model.calls()).as("no call before the loop's turn ends").isEmpty();
      return gathered;
    });
    // the calls were made by a task queued behind that turn: once another task ran, they are all in
    onLoop(() -> assertThat(model.rowsPerCall()).containsExactly(4, 4, 2));
    for (int i = 0; i < 3; i++) {
      int call = i;
      onLoop(() -> model.release(call));
    }
    assertOwnRowsBack(answers, requests);
    assertThat(batcher.stats().getLong("requests")).isEqualTo(10);
    assertThat(batcher.stats().getLong("model_calls")).isEqualTo(3);

    // the next turn gathers afresh: one request alone is one call of its own
    Map<String, Tensor> alone = request(5, 2, 2);
    Future<Map<String, Tensor>> answer = onLoop(() -> batcher.gathered(alone));
    onLoop(() -> assertThat(model.rowsPerCall()).containsExactly(4, 4, 2, 2));
    onLoop(() -> model.release(3));
    assertThat(answer(answer)).containsExactly(doubled(alone));
  }

  @Test
  @DisplayName("each event loop gathers its own requests, and a request gathered off any event loop is scored at once")
  void gatheringIsPerEventLoop() {
    HeldModel model = new HeldModel();
    Batcher batcher = batcher(model, 16, 0);
    // a new event-loop context takes the next of the instance's loops
    ContextInternal other = ((VertxInternal) vertx).createEventLoopContext();
    assertThat(other.nettyEventLoop()).isNotSameAs(((ContextInternal) loop).nettyEventLoop());
    List<Map<String, Tensor>> requests = singleRows(4);
    List<Future<Map<String, Tensor>>> answers = new ArrayList<>(onLoop(() ->
        List.of(batcher.gathered(requests.get(0)), batcher.gathered(requests.get(1)))));
    answers.addAll(await(Future.<List<Future<Map<String, Tensor>>>>future(promise -> other.runOnContext(v ->
        promise.complete(List.of(batcher.gathered(requests.get(2)), batcher.gathered(requests.get(3))))))));
    Awaitility.await().atMost(Duration.ofSeconds(3)).until(() -> model.calls().size() == 2);
    assertThat(model.rowsPerCall()).containsExactly(2, 2);
    onLoop(() -> model.release(0));
    onLoop(() -> model.release(1));
    assertOwnRowsBack(answers, requests);

    Map<String, Tensor> offLoop = request(9, 1, 2);
    Future<Map<String, Tensor>> answer = batcher.gathered(offLoop);
    assertThat(model.calls()).as("scored at once").hasSize(3);
    onLoop(() -> model.release(2));
    assertThat(answer(answer)).containsExactly(doubled(offLoop));
    assertThat(batcher.stats().getLong("requests")).isEqualTo(5);
    assertThat(batcher.stats().getLong("model_calls")).isEqualTo(3);
  }

  @Test
  @DisplayName("a model that does not batch, one without a free first dimension, or batching switched off: one model"
      + " call per request, even while others run")
  void unbatchedModelsAreCalledPerRequest() {
    HeldModel notBatchable = new HeldModel(IN, OUT, false);
    HeldModel fixedRows = new HeldModel(List.of(new TensorSpec("x", DataType.FP32, new long[]{1, 2})), OUT, true);
    HeldModel switchedOff = new HeldModel();
    List<Batcher> batchers = List.of(batcher(notBatchable, 16, 100), batcher(fixedRows, 16, 100),
        new Batcher(vertx, switchedOff, false, 16, 100, new SimpleMeterRegistry(), Tags.empty()));
    List<HeldModel> models = List.of(notBatchable, fixedRows, switchedOff);
    for (int m = 0; m < models.size(); m++) {
      HeldModel model = models.get(m);
      Batcher batcher = batchers.get(m);
      assertThat(batcher.batching()).isFalse();
      List<Map<String, Tensor>> requests = List.of(request(0, 1, 2), request(10, 1, 2), request(20, 1, 2));
      List<Future<Map<String, Tensor>>> answers = submitAll(batcher, requests);
      assertThat(model.rowsPerCall()).as("model %d", m).containsExactly(1, 1, 1);
      assertThat(batcher.pending()).isEqualTo(3);
      for (int i = 2; i >= 0; i--) {
        int call = i;
        onLoop(() -> model.release(call));
      }
      assertOwnRowsBack(answers, requests);
      assertThat(batcher.pending()).isZero();
      assertThat(batcher.stats().getMap()).containsEntry("enabled", false).containsEntry("requests", 3L)
          .containsEntry("model_calls", 3L);
    }
  }
}
