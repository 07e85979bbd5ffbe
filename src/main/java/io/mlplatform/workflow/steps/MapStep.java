package io.mlplatform.workflow.steps;

import io.mlplatform.mcp.ErrorCode;
import io.mlplatform.mcp.McpException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Set;

/**
 * {@code map} (the orchestrator-workers pattern): {@code "items": "${expr}"} is split into one task per item, each a
 * call ({@code "task": {"operation" | "deployment", "inputs"}}, where {@code item} and {@code index} are in scope)
 * run by the task workers of every hub and execution node, at most {@code concurrency} at once. A task whose worker
 * went away is retried after a pause (the event bus sends it to another worker) up to {@code max_attempts}; each finished task is
 * saved, so a resumed run does not redo it. Output: {results: [...] in item order, nodes: {node: tasks}}.
 */
public final class MapStep implements StepKind {
  private static final Set<ErrorCode> RETRIED = Set.of(ErrorCode.UNAVAILABLE, ErrorCode.DEADLINE_EXCEEDED);
  /** A worker (or a replica) that went away is usually replaced within a second or two. */
  private static final long RETRY_DELAY_MILLIS = 500;

  @Override
  public void check(JsonObject step, Check check) {
    Object items = step.getValue("items");
    if (!(items instanceof JsonArray) && !io.mlplatform.workflow.Expressions.isExpression(items)) {
      throw check.invalid("items", "must be an array or an expression \"${ ... }\" giving one");
    }
    check.expressions(items, "items");
    if (!(step.getValue("task") instanceof JsonObject task)) {
      throw check.invalid("task", "must be {\"operation\" | \"deployment\", \"inputs\"}");
    }
    CallStep.checkCall(task, check, "task.");
    for (String field : new String[]{"concurrency", "max_attempts"}) {
      Object value = step.getValue(field);
      if (value != null && (!(value instanceof Integer n) || n < 1 || n > 64)) {
        throw check.invalid(field, "must be an integer between 1 and 64");
      }
    }
  }

  @Override
  public Future<JsonObject> run(StepContext step) {
    return step.resolve(step.step().getValue("items"), "items").compose(items -> {
      if (!(items instanceof JsonArray list)) {
        return Future.failedFuture(step.invalid("items", "evaluated to " + items + ", not an array"));
      }
      step.inputs(new JsonObject().put("items", list.size()));
      return new Tasks(step, list).start();
    });
  }

  /** The map's tasks: each tried up to max_attempts, a finished one saved so that a resumed run skips it. */
  private static final class Tasks extends BoundedWork {
    private final StepContext step;
    private final JsonArray items;
    private final JsonObject task;
    private final int maxAttempts;
    private final JsonObject nodes = new JsonObject();
    private int finished;

    Tasks(StepContext step, JsonArray items) {
      super(items.size(), step.step().getInteger("concurrency", 4));
      this.step = step;
      this.items = items;
      this.task = step.step().getJsonObject("task");
      this.maxAttempts = step.step().getInteger("max_attempts", 3);
      JsonObject saved = step.saved().getJsonObject("tasks", new JsonObject());
      for (String index : saved.fieldNames()) {
        JsonObject earlier = saved.getJsonObject(index);
        int i = Integer.parseInt(index);
        if (i < results.length) {
          results[i] = new JsonObject().put("node", earlier.getString("node"))
              .put("output", new JsonObject(earlier.getString("output_json")));
          count(earlier.getString("node"));
        }
      }
    }

    @Override
    protected boolean mayStart() {
      if (step.cancelled()) {
        done.tryFail(new McpException(ErrorCode.CONFLICT, "cancelled by request"));
        return false;
      }
      return true;
    }

    @Override
    protected Future<JsonObject> run(int index) {
      Promise<JsonObject> outcome = Promise.promise();
      attempt(index, 1, outcome);
      return outcome.future();
    }

    private void attempt(int index, int attempt, Promise<JsonObject> outcome) {
      CallStep.resolved(task, step, new JsonObject().put("item", items.getValue(index)).put("index", index))
          .compose(call -> step.calls().task(call)).onComplete(sent -> {
        if (sent.succeeded()) {
          outcome.complete(sent.result().put("attempts", attempt));
          return;
        }
        McpException error = McpException.wrap(sent.cause());
        if (RETRIED.contains(error.code()) && attempt < maxAttempts && !step.cancelled()) {
          step.vertx().setTimer(RETRY_DELAY_MILLIS * attempt, t -> attempt(index, attempt + 1, outcome));
        } else {
          outcome.fail(step.invalid("task", "item " + index + " failed after " + attempt + " attempt(s): "
              + error.getMessage()));
        }
      });
    }

    @Override
    protected void finished(int index, JsonObject result) {
      String node = result.getString("node");
      count(node);
      // a save that fails means this node no longer holds the run: stop handing out tasks
      step.save(new JsonObject().put("tasks." + index, new JsonObject().put("node", node)
          .put("attempts", result.getInteger("attempts")).put("output_json", result.getJsonObject("output").encode())))
          .onFailure(done::tryFail);
      step.progress(new JsonObject().put("done", finished).put("total", results.length));
    }

    private void count(String node) {
      nodes.put(node, nodes.getInteger(node, 0) + 1);
      finished++;
    }

    @Override
    protected void complete() {
      JsonArray out = new JsonArray();
      for (JsonObject result : results) {
        out.add(result.getJsonObject("output"));
      }
      done.tryComplete(new JsonObject().put("results", out).put("nodes", nodes).put("total", results.length));
    }
  }
}
