package io.mlplatform.workflow.steps;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;

/**
 * Items of a step (map tasks, optimize candidates) handed out in order, at most {@code limit} at once, skipping those
 * an earlier attempt of the step finished. Every callback runs on the run's event loop.
 */
abstract class BoundedWork {
  protected final JsonObject[] results;
  protected final Promise<JsonObject> done = Promise.promise();
  private final int limit;
  private int next;
  private int active;

  BoundedWork(int size, int limit) {
    this.results = new JsonObject[size];
    this.limit = limit;
  }

  /** Hands out the first items; completes with the step's output. */
  final Future<JsonObject> start() {
    for (int i = 0; i < limit; i++) {
      dispatch();
    }
    if (active == 0 && !done.future().isComplete()) {
      complete();
    }
    return done.future();
  }

  /** Whether another item may start now (budget, plateau, cancellation); false stops handing out. */
  protected boolean mayStart() {
    return true;
  }

  /** Runs one item; a failure fails the step. */
  protected abstract Future<JsonObject> run(int index);

  /** Records a finished item's result (e.g. saves it, reports progress), before the next one is handed out. */
  protected abstract void finished(int index, JsonObject result);

  /** Completes {@link #done} once no item runs and none may start. */
  protected abstract void complete();

  private void dispatch() {
    if (done.future().isComplete()) {
      return;
    }
    while (next < results.length && results[next] != null) {
      next++;
    }
    if (next >= results.length || !mayStart()) {
      return;
    }
    int index = next++;
    active++;
    run(index).onComplete(outcome -> {
      active--;
      if (outcome.failed()) {
        done.tryFail(outcome.cause());
        return;
      }
      results[index] = outcome.result();
      finished(index, outcome.result());
      dispatch();
      if (active == 0 && !done.future().isComplete()) {
        complete();
      }
    });
  }
}
