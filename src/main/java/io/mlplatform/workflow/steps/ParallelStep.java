package io.mlplatform.workflow.steps;

import io.mlplatform.mcp.McpException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code parallel}: branches (each a sequence of steps) run at once. {@code "aggregate"}: {@code all} (default;
 * {branches: {name: last output}}), {@code first} (the first branch to succeed) or {@code merge} (the branches'
 * outputs merged into one object, in declaration order). {@code "on_failure"}: {@code fail} (default) or
 * {@code continue} (failed branches are listed in {@code failed}).
 */
public final class ParallelStep implements StepKind {
  private static final Set<String> AGGREGATES = Set.of("all", "first", "merge");
  private static final Set<String> ON_FAILURE = Set.of("fail", "continue");

  @Override
  public void check(JsonObject step, Check check) {
    if (!(step.getValue("branches") instanceof JsonObject branches) || branches.isEmpty()) {
      throw check.invalid("branches", "must be a non-empty object {name: [steps]}");
    }
    for (String name : branches.fieldNames()) {
      if (!(branches.getValue(name) instanceof JsonArray steps) || steps.isEmpty()) {
        throw check.invalid("branches." + name, "must be a non-empty array of steps");
      }
      check.sequence(steps, "branches." + name);
    }
    if (!AGGREGATES.contains(step.getString("aggregate", "all"))) {
      throw check.invalid("aggregate", "must be one of " + AGGREGATES);
    }
    if (!ON_FAILURE.contains(step.getString("on_failure", "fail"))) {
      throw check.invalid("on_failure", "must be one of " + ON_FAILURE);
    }
  }

  @Override
  public Future<JsonObject> run(StepContext step) {
    JsonObject branches = step.step().getJsonObject("branches");
    String aggregate = step.step().getString("aggregate", "all");
    List<String> names = new ArrayList<>(branches.fieldNames());
    List<Future<JsonObject>> running = names.stream().map(name -> step.runSequence(branches.getJsonArray(name))).toList();
    if ("first".equals(aggregate)) {
      return Future.any(running).map(any -> {
        for (int i = 0; i < names.size(); i++) {
          if (running.get(i).succeeded()) {
            return new JsonObject().put("branch", names.get(i)).put("output", running.get(i).result());
          }
        }
        throw new IllegalStateException("no branch succeeded");
      });
    }
    return Future.join(running).transform(settled -> {
      JsonObject outputs = new JsonObject();
      JsonObject failed = new JsonObject();
      for (int i = 0; i < names.size(); i++) {
        if (running.get(i).succeeded()) {
          outputs.put(names.get(i), running.get(i).result());
        } else {
          Throwable cause = running.get(i).cause();
          failed.put(names.get(i), cause instanceof GateClosed ? cause.getMessage() : McpException.wrap(cause).getMessage());
        }
      }
      if (!failed.isEmpty() && "fail".equals(step.step().getString("on_failure", "fail"))) {
        String first = failed.fieldNames().iterator().next();
        return Future.failedFuture(step.invalid("branches." + first, "branch failed: " + failed.getString(first)));
      }
      if ("merge".equals(aggregate)) {
        JsonObject merged = new JsonObject();
        names.stream().filter(outputs::containsKey).forEach(name -> merged.mergeIn(outputs.getJsonObject(name), true));
        return Future.succeededFuture(merged.put("failed", failed));
      }
      return Future.succeededFuture(new JsonObject().put("branches", outputs).put("failed", failed));
    });
  }
}
