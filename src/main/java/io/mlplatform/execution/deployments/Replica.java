package io.mlplatform.execution.deployments;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.mlplatform.mcp.Addresses;
import io.mlplatform.mcp.DirectServers;
import io.mlplatform.mcp.Envelope;
import io.mlplatform.mcp.ErrorCode;
import io.mlplatform.mcp.McpException;
import io.mlplatform.mcp.Nodes;
import io.mlplatform.mcp.OperationRouter;
import io.mlplatform.node.Meters;
import io.mlplatform.runtime.LoadedModel;
import io.mlplatform.runtime.Rows;
import io.mlplatform.runtime.Tensor;
import io.mlplatform.runtime.TensorSpec;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * One loaded copy of a deployment's model, serving predictions on the deployment's event-bus address. A prediction
 * whose scoring costs less than a hop between event loops is also offered to it directly, on the gateway's own event
 * loop ({@link DirectServers}, a node outside a cluster): parsing, checks and scoring are safe on any thread, and only
 * what the batcher queues stays on this replica's event loop.
 */
final class Replica implements DirectServers.Server {
  /** How a request's tensors reach the model: queued by the batcher, or scored now. */
  private interface Scorer extends Function<Map<String, Tensor>, Future<Map<String, Tensor>>> {
  }

  private final Vertx vertx;
  private final String deployment;
  private final Lane lane;
  private final String model;
  private final int version;
  /** The version as V2 answers name it. */
  private final String versionText;
  private final int index;
  private final LoadedModel loaded;
  private final Batcher batcher;
  private final int maxRequestRows;
  private final long attemptMillis;
  private final Timer answered;
  private final Timer failed;
  private final PredictionLog log;
  private final List<Nodes.Binding> consumers = new ArrayList<>();
  private final List<Runnable> directRegistrations = new ArrayList<>();
  private String id;
  /** Direct answers being computed; once stopping is set, no new one starts. */
  private final AtomicInteger directInFlight = new AtomicInteger();
  private volatile boolean stopping;

  Replica(Vertx vertx, JsonObject spec, Lane lane, int version, int index, LoadedModel loaded, PredictionLog log) {
    this.vertx = vertx;
    this.deployment = spec.getString("name");
    this.lane = lane;
    this.model = spec.getString("model");
    this.version = version;
    this.versionText = Integer.toString(version);
    this.index = index;
    this.loaded = loaded;
    this.log = log;
    JsonObject batching = spec.getJsonObject("batching", new JsonObject());
    Tags tags = Tags.of("deployment", deployment, "model", model, "version", String.valueOf(version),
        "lane", lane.id(), "replica", String.valueOf(index));
    MeterRegistry meters = Meters.of(vertx);
    this.answered = predictions(meters, tags, "ok");
    this.failed = predictions(meters, tags, "error");
    this.batcher = new Batcher(vertx, loaded, batching.getBoolean("enabled", true),
        batching.getInteger("max_batch_size", 256), batching.getLong("max_wait_ms", 0L), meters, tags);
    this.maxRequestRows = spec.getInteger("max_request_rows", 10_000);
    Number attempt = spec.getNumber("attempt_timeout_ms");
    this.attemptMillis = attempt == null ? loaded.attemptMillis() : attempt.longValue();
  }

  int version() {
    return version;
  }

  int index() {
    return index;
  }

  /**
   * Starts serving: completes once the cluster routes the lane's address here too, and the version's (where requests
   * naming this version go).
   */
  Future<Void> serve(String nodeId) {
    id = "replica@" + nodeId + "/" + deployment + "/" + lane.id() + "/" + index;
    OperationRouter router = new OperationRouter(new Envelope.Party(id, "replica"))
        .on("deployment.predict", payload -> timed(() -> predict(payload, batcher::submit), false))
        .on("deployment.infer", payload -> timed(() -> infer(payload, batcher::submit), false))
        .on("deployment.metadata", payload -> {
          checkVersion(payload);
          return Future.succeededFuture(metadata());
        })
        .attemptDeadline(attemptMillis);
    String versionAddress = Addresses.deploymentVersion(deployment, version);
    return Future.all(router.bind(vertx, lane.address()).onSuccess(consumers::add),
            router.bind(vertx, versionAddress).onSuccess(consumers::add))
        .onSuccess(bound -> {
          DirectServers direct = DirectServers.of(vertx);
          directRegistrations.add(direct.register(lane.address(), this));
          directRegistrations.add(direct.register(versionAddress, this));
        })
        .mapEmpty();
  }

  @Override
  public String id() {
    return id;
  }

  /**
   * A prediction answered on the calling event loop, scored together with the others it takes in its current round
   * of I/O ({@link Batcher#gathered}), when the model is cheap enough to score on an event loop anyway
   * ({@link Batcher#scoresNow}); null for anything else, which comes through the event bus.
   */
  @Override
  public Future<JsonObject> answer(String operation, JsonObject payload) {
    Boolean predict = takes(operation, payload);
    if (predict == null) {
      return null;
    }
    return timed(() -> predict ? predict(payload, batcher::gathered) : infer(payload, batcher::gathered), true);
  }

  /**
   * Whether a request may skip the event bus (then counted in flight until answered): true for a prediction, false
   * for an inference, null when it must take the event bus.
   */
  private Boolean takes(String operation, JsonObject payload) {
    boolean predict = "deployment.predict".equals(operation);
    if (!predict && !"deployment.infer".equals(operation) || !batcher.scoresNow(rowsOf(predict, payload))) {
      return null;
    }
    directInFlight.incrementAndGet();
    if (stopping) {
      directInFlight.decrementAndGet();
      return null;
    }
    return predict;
  }

  /** The rows a request holds, read without parsing it (0 when its shape is not what its route takes). */
  private static int rowsOf(boolean predict, JsonObject payload) {
    Object inputs = payload.getValue("inputs");
    if (!(inputs instanceof JsonArray list) || list.isEmpty()) {
      return 0;
    }
    if (predict) {
      return list.size();
    }
    Object shape = list.getValue(0) instanceof JsonObject tensor ? tensor.getValue("shape") : null;
    return shape instanceof JsonArray dimensions && !dimensions.isEmpty() && dimensions.getValue(0) instanceof Number n
        ? (int) Math.min(Integer.MAX_VALUE, Math.max(0, n.longValue())) : 0;
  }

  /** Stops taking requests, lets the ones already taken finish, then frees the model. */
  Future<Void> stop() {
    stopping = true;
    directRegistrations.forEach(Runnable::run);
    Future<Void> unregistered = Future.join(consumers.stream().map(Nodes.Binding::unregister).toList()).mapEmpty();
    return unregistered.compose(v -> drained(50)).andThen(v -> {
      loaded.close();
      MeterRegistry meters = Meters.of(vertx);
      meters.remove(answered);
      meters.remove(failed);
      batcher.removeMeters(meters);
    });
  }

  private static Timer predictions(MeterRegistry meters, Tags tags, String outcome) {
    return Timer.builder("mlplatform.predictions").description("prediction requests a replica answered, by outcome")
        .tags(tags).tag("outcome", outcome).publishPercentileHistogram().register(meters);
  }

  /**
   * A prediction request, timed on this replica from its arrival to its answer (refusals count as errors); a refusal
   * thrown while checking it becomes the failed answer. A direct one ({@link #answer}) stops counting in flight then.
   */
  private Future<JsonObject> timed(java.util.function.Supplier<Future<JsonObject>> request, boolean direct) {
    long start = System.nanoTime();
    Future<JsonObject> answer;
    try {
      answer = request.get();
    } catch (RuntimeException e) {
      answer = Future.failedFuture(e);
    }
    return answer.andThen(done -> {
      (done.succeeded() ? answered : failed).record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      if (direct) {
        directInFlight.decrementAndGet();
      }
    });
  }

  private Future<Void> drained(int attemptsLeft) {
    if (batcher.pending() + directInFlight.get() == 0 || attemptsLeft == 0) {
      return Future.succeededFuture();
    }
    Promise<Void> later = Promise.promise();
    vertx.setTimer(100, id -> drained(attemptsLeft - 1).onComplete(later));
    return later.future();
  }

  /** The platform's route: rows in, one object of outputs per row out; {@code scorer} is the batcher's way in. */
  private Future<JsonObject> predict(JsonObject payload, Scorer scorer) {
    Object inputs = payload.getValue("inputs");
    if (!(inputs instanceof JsonArray rows)) {
      throw McpException.invalidField("inputs", "must be an array of rows");
    }
    checkRows(rows.size());
    long start = System.nanoTime();
    Map<String, Tensor> tensors = Rows.toTensors(loaded.inputs(), rows);
    TensorSpec.check(loaded.inputs(), tensors);
    return scorer.apply(tensors).map(outputs -> {
      logged(start, tensors, outputs);
      return new JsonObject().put("deployment", deployment).put("model", model).put("version", version)
          .put("outputs", Rows.fromTensors(outputs));
    });
  }

  /** The Open Inference Protocol's infer: tensors in, tensors out. */
  private Future<JsonObject> infer(JsonObject payload, Scorer scorer) {
    checkVersion(payload);
    Object inputs = payload.getValue("inputs");
    if (!(inputs instanceof JsonArray list) || list.isEmpty()) {
      throw McpException.invalidField("inputs", "must be a non-empty array of tensors");
    }
    long start = System.nanoTime();
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (Object item : list) {
      if (!(item instanceof JsonObject json)) {
        throw McpException.invalidField("inputs", "every input must be a tensor object");
      }
      Tensor tensor = Tensor.fromJson(json);
      tensors.put(tensor.name(), tensor);
    }
    TensorSpec.check(loaded.inputs(), tensors);
    checkRows(tensors.values().iterator().next().rows());
    Set<String> wanted = requestedOutputs(payload.getValue("outputs"));
    return scorer.apply(tensors).map(outputs -> {
      logged(start, tensors, outputs);
      JsonArray out = new JsonArray();
      for (Tensor output : outputs.values()) {
        if (wanted == null || wanted.contains(output.name())) {
          out.add(output.toJson());
        }
      }
      JsonObject answer = new JsonObject().put("model_name", deployment).put("model_version", versionText)
          .put("outputs", out);
      if (payload.getValue("id") != null) {
        answer.put("id", payload.getValue("id"));
      }
      return answer;
    });
  }

  /** Offers a sampled answered request to the deployment's prediction log (a queue; writing happens elsewhere). */
  private void logged(long start, Map<String, Tensor> inputs, Map<String, Tensor> outputs) {
    if (outputs != null && log.sampled()) {
      log.offer(new PredictionLog.Entry(System.currentTimeMillis(), version, lane.id(), System.nanoTime() - start,
          inputs, outputs));
    }
  }

  private Set<String> requestedOutputs(Object outputs) {
    if (outputs == null) {
      return null;
    }
    if (!(outputs instanceof JsonArray list)) {
      throw McpException.invalidField("outputs", "must be an array of {name}");
    }
    Set<String> known = loaded.outputs().stream().map(TensorSpec::name).collect(Collectors.toSet());
    Set<String> wanted = list.stream().map(o -> o instanceof JsonObject j ? j.getString("name") : null)
        .collect(Collectors.toSet());
    for (String name : wanted) {
      if (name == null || !known.contains(name)) {
        throw McpException.invalidField("outputs", "the model has no output named '" + name + "' (outputs: "
            + known + ")");
      }
    }
    return wanted;
  }

  /** A request for a given version (the V2 versions path) must find this one. */
  private void checkVersion(JsonObject payload) {
    Object wanted = payload.getValue("version");
    if (wanted != null && !versionText.equals(wanted.toString())) {
      throw McpException.notFound("deployment '" + deployment + "' serves version " + version + ", not " + wanted);
    }
  }

  private void checkRows(int rows) {
    if (rows > maxRequestRows) {
      throw new McpException(ErrorCode.PAYLOAD_TOO_LARGE, "a request may hold at most " + maxRequestRows
          + " rows for deployment '" + deployment + "' (got " + rows + ")");
    }
  }

  /** The Open Inference Protocol's model metadata. */
  JsonObject metadata() {
    return new JsonObject().put("name", deployment).put("versions", new JsonArray().add(Integer.toString(version)))
        .put("platform", loaded.platform()).put("model", model)
        .put("inputs", specs(loaded.inputs())).put("outputs", specs(loaded.outputs()))
        .put("replica", index).put("batching", batcher.stats());
  }

  private static JsonArray specs(List<TensorSpec> specs) {
    JsonArray out = new JsonArray();
    specs.forEach(spec -> out.add(spec.toJson()));
    return out;
  }
}
