package io.mlplatform.workflow;

import io.micrometer.core.instrument.Timer;
import io.mlplatform.mcp.Caller;
import io.mlplatform.mcp.ErrorCode;
import io.mlplatform.mcp.McpClient;
import io.mlplatform.mcp.McpException;
import io.mlplatform.node.Meters;
import io.mlplatform.workflow.steps.GateClosed;
import io.mlplatform.workflow.steps.StepContext;
import io.mlplatform.workflow.steps.StepKind;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.time.Instant;
import java.util.function.BooleanSupplier;

/**
 * Runs one claimed run: walks its steps in order (following jumps and routes), skips those an earlier attempt
 * finished (their outputs back in scope), saves each step's state as it starts, progresses and ends, and records how
 * the run ended. Every callback runs on the engine's event loop.
 */
final class RunWalker {
  static final String EVENTS = io.mlplatform.mcp.Addresses.EVENTS_PREFIX + "workflows";

  /** This node no longer holds the run (it was handed back, or another hub took it): stop without recording. */
  static final class LeaseLost extends RuntimeException {
    LeaseLost() {
      super("lease lost", null, false, false);
    }
  }

  private final Vertx vertx;
  private final RunStore store;
  private final PlatformCalls calls;
  private final Caller caller;
  private final McpClient events;
  private final String node;
  private final String id;
  private final String workflow;
  private final JsonObject definition;
  private final JsonObject states;
  private final JsonObject scope;
  private final BooleanSupplier cancelled;
  private JsonObject failure;
  private final long started = System.nanoTime();

  RunWalker(Vertx vertx, RunStore store, PlatformCalls calls, McpClient events, String node, JsonObject run,
            BooleanSupplier cancelled) {
    this.vertx = vertx;
    this.store = store;
    this.caller = Caller.fromJson(run.getJsonObject("caller"));
    // every call of the run is made on behalf of who started it, and allowed only what that caller may do
    this.calls = calls.onBehalfOf(caller);
    this.events = events;
    this.node = node;
    this.id = run.getString("_id");
    this.workflow = run.getString("workflow");
    this.definition = RunStore.definition(run);
    this.states = RunStore.states(run);
    this.cancelled = cancelled;
    JsonObject outputs = new JsonObject();
    states.forEach(entry -> {
      JsonObject state = (JsonObject) entry.getValue();
      if ("succeeded".equals(state.getString("status"))) {
        outputs.put(entry.getKey(), state.getValue("output"));
      }
    });
    this.scope = new JsonObject().put("input", new JsonObject(run.getString("input_json"))).put("steps", outputs);
  }

  /** Runs to the end; completes once the outcome is recorded (or fails with LeaseLost when it cannot be). */
  Future<String> run() {
    publishRun("running");
    return walk(definition.getJsonArray("steps"), 0, new JsonObject()).transform(walked -> {
      if (walked.succeeded()) {
        Future<Object> resolved = definition.containsKey("output")
            ? Expressions.resolve(vertx, definition.getValue("output"), scope, "output")
            : Future.succeededFuture(walked.result());
        return resolved.transform(output -> {
          if (output.succeeded()) {
            return record("succeeded", new JsonObject().put("output_json", io.vertx.core.json.Json.encode(output.result())));
          }
          McpException e = McpException.wrap(output.cause());
          return record("failed", new JsonObject().put("error", new JsonObject().put("code", e.code().wireName())
              .put("message", e.getMessage())));
        });
      }
      if (walked.cause() instanceof LeaseLost) {
        return Future.failedFuture(walked.cause());
      }
      return record(cancelled.getAsBoolean() ? "cancelled" : "failed", new JsonObject()
          .put("error", failure != null ? failure : describe(walked.cause(), null)));
    });
  }

  /** Records the run's outcome, if this node still holds it. */
  private Future<String> record(String status, JsonObject fields) {
    return store.finish(id, node, status, fields).compose(recorded -> {
      if (!recorded) {
        return Future.failedFuture(new LeaseLost());
      }
      publishRun(status);
      Timer.builder("mlplatform.workflow.runs").description("workflow runs that ended on this node, by workflow and"
          + " status; the time is this node's part").tag("workflow", workflow).tag("status", status)
          .register(Meters.of(vertx)).record(System.nanoTime() - started, java.util.concurrent.TimeUnit.NANOSECONDS);
      return Future.succeededFuture(status);
    });
  }

  /** Runs the sequence from {@code index}; completes with the output of its last step. */
  private Future<JsonObject> walk(JsonArray steps, int index, JsonObject last) {
    if (index >= steps.size()) {
      return Future.succeededFuture(last);
    }
    JsonObject step = steps.getJsonObject(index);
    return runStep(step).compose(output -> {
      int next = index + 1;
      if (step.getBoolean("end", false)) {
        next = steps.size();
      } else if (output.getValue("next") instanceof String target && "route".equals(step.getString("kind"))) {
        next = indexOf(steps, target);
      } else if (step.getString("next") != null) {
        next = indexOf(steps, step.getString("next"));
      }
      return walk(steps, next, output);
    });
  }

  private static int indexOf(JsonArray steps, String id) {
    for (int i = 0; i < steps.size(); i++) {
      if (id.equals(steps.getJsonObject(i).getString("id"))) {
        return i;
      }
    }
    throw McpException.invalid("no step '" + id + "' in this sequence");
  }

  private Future<JsonObject> runStep(JsonObject step) {
    String stepId = step.getString("id");
    JsonObject state = states.getJsonObject(stepId, new JsonObject());
    if ("succeeded".equals(state.getString("status"))) {
      return Future.succeededFuture(state.getJsonObject("output", new JsonObject()));
    }
    if (cancelled.getAsBoolean()) {
      return Future.failedFuture(new McpException(ErrorCode.CONFLICT, "cancelled by request"));
    }
    StepKind kind = DefinitionCheck.KINDS.get(step.getString("kind"));
    int attempt = state.getInteger("attempt", 0) + 1;
    long start = System.currentTimeMillis();
    JsonObject running = new JsonObject().put("status", "running").put("node", node).put("attempt", attempt)
        .put("started_at", Instant.now().toString());
    state.mergeIn(running);
    states.put(stepId, state);
    return save(stepId, running).compose(v -> {
      publishStep(stepId, "running", null);
      Context context = new Context(step, state);
      Future<JsonObject> outcome;
      try {
        outcome = kind.run(context);
      } catch (RuntimeException e) {
        outcome = Future.failedFuture(e);
      }
      // the step's own writes (inputs, progress, tasks) land before its end does
      return outcome.transform(done -> context.writes.transform(written -> Future.succeededFuture(done)))
          .compose(done -> {
        JsonObject ended = new JsonObject().put("finished_at", Instant.now().toString())
            .put("duration_ms", System.currentTimeMillis() - start);
        if (done.succeeded()) {
          JsonObject output = done.result() == null ? new JsonObject() : done.result();
          ended.put("status", "succeeded").put("output_json", output.encode());
          return save(stepId, ended).map(saved -> {
            state.put("status", "succeeded");
            scope.getJsonObject("steps").put(stepId, output);
            publishStep(stepId, "succeeded", null);
            return output;
          });
        }
        if (done.cause() instanceof LeaseLost) {
          return Future.failedFuture(done.cause());
        }
        String status = cancelled.getAsBoolean() ? "cancelled" : "failed";
        JsonObject error = describe(done.cause(), stepId);
        failure = error;
        return save(stepId, ended.put("status", status).put("error", error)).compose(saved -> {
          publishStep(stepId, status, error);
          return Future.failedFuture(done.cause());
        });
      });
    });
  }

  private static JsonObject describe(Throwable cause, String stepId) {
    JsonObject error = new JsonObject();
    if (stepId != null) {
      error.put("step", stepId);
    }
    if (cause instanceof GateClosed) {
      return error.put("code", "gate_closed").put("message", cause.getMessage());
    }
    McpException e = McpException.wrap(cause);
    return error.put("code", e.code().wireName()).put("message", e.getMessage());
  }

  private Future<Void> save(String stepId, JsonObject fields) {
    return store.saveStep(id, node, stepId, fields)
        .compose(held -> held ? Future.succeededFuture() : Future.failedFuture(new LeaseLost()));
  }

  private void publishStep(String stepId, String status, JsonObject extra) {
    JsonObject event = new JsonObject().put("run", id).put("workflow", workflow).put("step", stepId)
        .put("status", status).put("node", node);
    if (extra != null) {
      event.put(status.equals("running") ? "progress" : "error", extra);
    }
    events.publish(EVENTS, "workflow.step", event);
  }

  private void publishRun(String status) {
    events.publish(EVENTS, "workflow.run", new JsonObject().put("run", id).put("workflow", workflow)
        .put("status", status).put("node", node));
  }

  /** One running step's view of the run. */
  private final class Context implements StepContext {
    private final JsonObject step;
    private final JsonObject saved;
    private Future<Void> writes = Future.succeededFuture();

    Context(JsonObject step, JsonObject saved) {
      this.step = step;
      this.saved = saved.copy();
    }

    @Override
    public JsonObject step() {
      return step;
    }

    @Override
    public String id() {
      return step.getString("id");
    }

    @Override
    public McpException invalid(String field, String message) {
      return new McpException(ErrorCode.INVALID_ARGUMENT, "step '" + id() + "': " + field + ": " + message,
          new JsonObject().put("step", id()).put("field", field));
    }

    @Override
    public void inputs(JsonObject resolved) {
      save(new JsonObject().put("inputs_json", resolved.encode()));
    }

    @Override
    public Future<Object> resolve(Object template, String field) {
      return Expressions.resolve(vertx, template, scope, "step '" + id() + "': " + field);
    }

    @Override
    public Future<Object> resolve(Object template, String field, JsonObject extra) {
      if (extra.isEmpty()) {
        return resolve(template, field);
      }
      return Expressions.resolve(vertx, template, scope.copy().mergeIn(extra), "step '" + id() + "': " + field);
    }

    @Override
    public JsonObject saved() {
      return saved;
    }

    @Override
    public Future<Void> save(JsonObject fields) {
      // one after the other: two progress writes in flight at once could land in the wrong order
      Future<Void> saved = writes.transform(previous -> RunWalker.this.save(id(), fields));
      writes = saved.otherwiseEmpty();
      return saved;
    }

    @Override
    public void progress(JsonObject progress) {
      save(new JsonObject().put("progress", progress));
      publishStep(id(), "running", progress);
    }

    @Override
    public Future<JsonObject> runSequence(JsonArray steps) {
      return walk(steps, 0, new JsonObject());
    }

    @Override
    public boolean cancelled() {
      return cancelled.getAsBoolean();
    }

    @Override
    public PlatformCalls calls() {
      return calls;
    }

    @Override
    public Caller caller() {
      return caller;
    }

    @Override
    public Vertx vertx() {
      return vertx;
    }
  }
}
