package io.mlplatform.workflow.steps;

import io.mlplatform.mcp.Caller;
import io.mlplatform.mcp.McpException;
import io.mlplatform.workflow.PlatformCalls;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** A running step's view of its run. */
public interface StepContext {
  /** The step as the definition declares it. */
  JsonObject step();

  String id();

  /** An invalid_argument naming this step and the field. */
  McpException invalid(String field, String message);

  /** Records the step's resolved inputs, shown with the run. */
  void inputs(JsonObject resolved);

  /**
   * The template with its expressions evaluated in the run's scope (input, earlier steps' outputs), off the event
   * loop and within a time and size bound.
   */
  Future<Object> resolve(Object template, String field);

  /** Like {@link #resolve(Object, String)} with {@code extra} variables (e.g. item and index) added to the scope. */
  Future<Object> resolve(Object template, String field, JsonObject extra);

  /** What an earlier attempt of this step saved (e.g. the execution it started), so a resumed run goes on from it. */
  JsonObject saved();

  /** Saves fields of this step's state (persisted with the run) for a later attempt to find in {@link #saved()}. */
  Future<Void> save(JsonObject fields);

  /** Reports progress (persisted and published as an event). */
  void progress(JsonObject progress);

  /** Runs a nested sequence of steps (a branch); completes with the output of its last step. */
  Future<JsonObject> runSequence(JsonArray steps);

  boolean cancelled();

  /** The platform, asked on behalf of the run's caller. */
  PlatformCalls calls();

  /** Who started the run (null for a run queued before callers were recorded). */
  Caller caller();

  Vertx vertx();
}
