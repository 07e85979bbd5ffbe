package io.mlplatform.workflow.steps;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * {@code call} (the chain pattern): one platform operation through the hub, or a prediction on a deployment (LLM
 * deployments included). {@code {"operation": "model.get" | "deployment": "chat", "inputs": {..}, "wait": true}};
 * an {@code execution.create} waits for the execution to succeed unless {@code "wait": false}.
 */
public final class CallStep implements StepKind {
  @Override
  public void check(JsonObject step, Check check) {
    checkCall(step, check, "");
  }

  /** Checks a call's fields (also a map step's task); {@code prefix} names where they sit. */
  static void checkCall(JsonObject call, Check check, String prefix) {
    Object operation = call.getValue("operation");
    Object deployment = call.getValue("deployment");
    if ((operation == null) == (deployment == null)) {
      throw check.invalid(prefix + "operation", "give exactly one of 'operation' (a platform operation) or"
          + " 'deployment' (a prediction)");
    }
    if (operation != null) {
      if (!(operation instanceof String name)) {
        throw check.invalid(prefix + "operation", "must be a string");
      }
      check.operation(name, prefix + "operation");
    } else {
      if (!(deployment instanceof String)) {
        throw check.invalid(prefix + "deployment", "must be a deployment name or an expression");
      }
      check.expressions(deployment, prefix + "deployment");
    }
    Object inputs = call.getValue("inputs");
    if (inputs != null && !(inputs instanceof JsonObject)) {
      throw check.invalid(prefix + "inputs", "must be a JSON object");
    }
    check.expressions(inputs, prefix + "inputs");
    if (call.containsKey("wait") && !(call.getValue("wait") instanceof Boolean)) {
      throw check.invalid(prefix + "wait", "must be true or false");
    }
  }

  /** The call with its expressions evaluated. */
  static Future<JsonObject> resolved(JsonObject call, StepContext step, JsonObject extra) {
    Future<Object> deployment = call.containsKey("operation") ? Future.succeededFuture(null)
        : step.resolve(call.getValue("deployment"), "deployment", extra);
    return deployment.compose(name -> step.resolve(call.getJsonObject("inputs", new JsonObject()), "inputs", extra)
        .map(inputs -> {
          JsonObject resolved = new JsonObject();
          if (call.containsKey("operation")) {
            resolved.put("operation", call.getString("operation"));
          } else if (name instanceof String) {
            resolved.put("deployment", name);
          } else {
            throw step.invalid("deployment", "evaluated to " + name + ", not a deployment name");
          }
          return resolved.put("inputs", inputs).put("wait", call.getBoolean("wait", true));
        }));
  }

  @Override
  public Future<JsonObject> run(StepContext step) {
    String started = step.saved().getString("execution");
    if (started != null) {
      return step.calls().awaitExecution(started, step::cancelled);
    }
    return resolved(step.step(), step, new JsonObject()).compose(call -> {
      step.inputs(call.getJsonObject("inputs"));
      return step.calls().perform(call, id -> step.save(new JsonObject().put("execution", id)), step::cancelled);
    });
  }
}
