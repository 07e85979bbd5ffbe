package io.mlplatform.workflow.steps;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/** One kind of workflow step (one agent pattern): how its definition is checked and how it runs. */
public interface StepKind {
  /** Checks the step's own fields at definition time; a problem is an invalid_argument from {@code check}. */
  void check(JsonObject step, Check check);

  /** Runs the step; completes with its output, which later steps see as {@code steps.<id>}. */
  Future<JsonObject> run(StepContext step);
}
