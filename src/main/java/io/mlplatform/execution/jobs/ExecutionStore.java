package io.mlplatform.execution.jobs;

import io.mlplatform.mcp.Caller;
import io.mlplatform.mcp.McpException;
import io.mlplatform.queue.LeasedQueue;
import io.mlplatform.storage.Documents;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;

import java.time.Instant;
import java.util.UUID;

/**
 * The durable execution queue in MongoDB (a {@link LeasedQueue}): a node claims a queued execution, holds it with a
 * lease it renews, and records the outcome only while it still holds it; an execution whose lease ran out goes back
 * to the queue (or fails after its last attempt), so a dead node's work is redone elsewhere, once. And their logs.
 */
public final class ExecutionStore {
  static final String EXECUTIONS = "executions";
  static final String LOGS = "execution_logs";

  private final MongoClient mongo;
  private final LeasedQueue queue;

  public ExecutionStore(MongoClient mongo) {
    this.mongo = mongo;
    this.queue = new LeasedQueue(mongo, EXECUTIONS, "execution",
        attempts -> "its node stopped answering on the last of " + attempts + " attempts");
  }

  /** The indexes of the queue's queries and of an execution's log lines (by execution, in time order). */
  public Future<Void> ensureIndexes() {
    return queue.ensureIndexes().compose(v -> Documents.ensureIndexes(mongo, LOGS,
        new JsonObject().put("execution", 1).put("at", 1)));
  }

  /**
   * Queues an execution asked by {@code caller} (null for the platform's own), recorded as {@code created_by} and as
   * the {@code caller} its job acts on behalf of.
   */
  public Future<JsonObject> enqueue(String type, JsonObject request, int maxAttempts, Caller caller) {
    String id = UUID.randomUUID().toString();
    JsonObject execution = new JsonObject().put("_id", id).put("id", id).put("type", type).put("status", "queued")
        .put("request", request).put("attempts", 0).put("max_attempts", maxAttempts).put("progress", 0.0)
        .put("created_at", Instant.now().toString()).put("cancel_requested", false)
        .put("created_by", caller == null ? null : caller.name())
        .put("caller", caller == null ? null : caller.toJson());
    return mongo.insert(EXECUTIONS, execution).map(ok -> Documents.shown(execution));
  }

  public Future<JsonObject> get(String id) {
    return mongo.findOne(EXECUTIONS, byId(id), null).compose(found -> found == null
        ? Future.failedFuture(McpException.notFound("execution '" + id + "' does not exist"))
        : Future.succeededFuture(Documents.shown(found)));
  }

  public Future<JsonObject> page(String status, int limit, int offset) {
    JsonObject query = status == null ? new JsonObject() : new JsonObject().put("status", status);
    return Documents.page(mongo, EXECUTIONS, query, new JsonObject().put("created_at", -1), limit, offset);
  }

  /** The executions as a leased queue: claimed by execution nodes, renewed, handed back, queued again. */
  LeasedQueue queue() {
    return queue;
  }

  public Future<Void> progress(String id, String node, double progress) {
    return mongo.updateCollection(EXECUTIONS, LeasedQueue.heldBy(node).put("_id", id),
        new JsonObject().put("$set", new JsonObject().put("progress", progress))).mapEmpty();
  }

  /** Spark tasks done and known so far, for the execution's progress. */
  public Future<Void> tasks(String id, String node, long done, long total) {
    return mongo.updateCollection(EXECUTIONS, LeasedQueue.heldBy(node).put("_id", id),
        new JsonObject().put("$set", new JsonObject().put("tasks_done", done).put("tasks_total", total))).mapEmpty();
  }

  /**
   * Records how an execution ended, only if {@code node} still holds it: a node that lost its lease records nothing.
   * Completes with whether it was recorded.
   */
  public Future<Boolean> finish(String id, String node, String status, JsonObject fields) {
    return queue.finish(id, node, status, "succeeded".equals(status) ? fields.copy().put("progress", 1.0) : fields);
  }

  /** Cancels a queued execution at once; asks the node running one to stop it. */
  public Future<JsonObject> cancel(String id) {
    return get(id).compose(execution -> queue.cancel(id, execution.getString("status"))).compose(v -> get(id));
  }

  public Future<Void> log(String id, String line) {
    return mongo.insert(LOGS, new JsonObject().put("execution", id).put("at", Instant.now().toString()).put("line", line))
        .mapEmpty();
  }

  public Future<JsonObject> logs(String id) {
    return get(id).compose(execution -> mongo.findWithOptions(LOGS, new JsonObject().put("execution", id),
            new FindOptions().setSort(new JsonObject().put("at", 1)).setLimit(10_000))
        .map(lines -> {
          JsonArray out = new JsonArray();
          lines.forEach(line -> out.add(new JsonObject().put("at", line.getString("at")).put("line", line.getString("line"))));
          return new JsonObject().put("id", id).put("lines", out);
        }));
  }

  private static JsonObject byId(String id) {
    return new JsonObject().put("_id", id);
  }
}
