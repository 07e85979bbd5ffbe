package io.mlplatform.execution.jobs;

import io.mlplatform.mcp.Caller;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * Executions: batch work (transform, train, batch_predict, evaluate, monitor) queued durably and run on Spark by some
 * node's {@link JobRunner}. Answers are the documents the API shows; a failure is an
 * {@link io.mlplatform.mcp.McpException}. The execution server binds it to the {@code execution.*} operations.
 */
public interface ExecutionService {
  /**
   * Checks a request of {@code type} against the data and models it names, then queues it; answers the queued
   * execution (its id). {@code caller} is who asked (null: the platform), whose rights the execution runs with.
   */
  Future<JsonObject> create(String type, JsonObject request, Caller caller);

  /** A page of executions, newest first; only those of {@code status} when it is not null. */
  Future<JsonObject> list(String status, int limit, int offset);

  Future<JsonObject> get(String id);

  Future<JsonObject> logs(String id);

  /** Asks a queued or running execution to stop: a queued one ends at once, a running one at its next chance. */
  Future<JsonObject> cancel(String id);
}
