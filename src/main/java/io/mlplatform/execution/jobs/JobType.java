package io.mlplatform.execution.jobs;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.function.BiFunction;

/** One kind of execution: how its request is checked before it is queued, and how it runs. */
public interface JobType {
  /**
   * Checks a request before it is queued (columns, expressions, references): fails with invalid_argument naming the
   * problem. {@code call} sends an MCP request through the hub. Completes with the request to store.
   */
  Future<JsonObject> check(JsonObject request, BiFunction<String, JsonObject, Future<JsonObject>> call);

  /** Runs the execution (blocking, on a worker thread); returns its result. */
  JsonObject run(JobContext context) throws Exception;
}
