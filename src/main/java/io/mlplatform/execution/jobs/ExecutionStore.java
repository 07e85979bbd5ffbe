package io.mlplatform.execution.jobs;

import io.mlplatform.mcp.Caller;
import io.mlplatform.mcp.McpException;
import io.mlplatform.storage.Documents;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.mongo.UpdateOptions;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The durable execution queue in MongoDB. A node claims a queued execution with findOneAndUpdate (so one node gets it),
 * holds it with a lease it renews, and records the outcome only while it still holds it; an execution whose lease ran
 * out goes back to the queue (or fails after its last attempt), so a dead node's work is redone elsewhere, once.
 */
public final class ExecutionStore {
  static final String EXECUTIONS = "executions";
  static final String LOGS = "execution_logs";

  private final MongoClient mongo;

  public ExecutionStore(MongoClient mongo) {
    this.mongo = mongo;
  }

  /** Queues an execution asked by {@code caller} (recorded as {@code created_by}; null for the platform's own). */
  public Future<JsonObject> enqueue(String type, JsonObject request, int maxAttempts, Caller caller) {
    String id = UUID.randomUUID().toString();
    JsonObject execution = new JsonObject().put("_id", id).put("id", id).put("type", type).put("status", "queued")
        .put("request", request).put("attempts", 0).put("max_attempts", maxAttempts).put("progress", 0.0)
        .put("created_at", Instant.now().toString()).put("cancel_requested", false)
        .put("created_by", caller == null ? null : caller.name());
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

  /** Takes the oldest queued execution for {@code node}, or completes with null when none waits. */
  public Future<JsonObject> claim(String node, long leaseMillis) {
    JsonObject update = new JsonObject()
        .put("$set", new JsonObject().put("status", "running").put("node", node)
            .put("lease_until", System.currentTimeMillis() + leaseMillis).put("started_at", Instant.now().toString()))
        .put("$inc", new JsonObject().put("attempts", 1));
    return mongo.findOneAndUpdateWithOptions(EXECUTIONS, new JsonObject().put("status", "queued"), update,
        new FindOptions().setSort(new JsonObject().put("created_at", 1)),
        new UpdateOptions().setReturningNewDocument(true));
  }

  /** Extends the lease of the executions {@code node} runs; completes with those whose cancellation was asked. */
  public Future<List<JsonObject>> renew(String node, List<String> ids, long leaseMillis) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    JsonObject mine = new JsonObject().put("_id", new JsonObject().put("$in", new JsonArray(ids)))
        .put("node", node).put("status", "running");
    return mongo.updateCollectionWithOptions(EXECUTIONS, mine, new JsonObject().put("$set",
            new JsonObject().put("lease_until", System.currentTimeMillis() + leaseMillis)), new UpdateOptions().setMulti(true))
        .compose(v -> mongo.find(EXECUTIONS, mine.copy().put("cancel_requested", true)));
  }

  public Future<Void> progress(String id, String node, double progress) {
    return mongo.updateCollection(EXECUTIONS, new JsonObject().put("_id", id).put("node", node).put("status", "running"),
        new JsonObject().put("$set", new JsonObject().put("progress", progress))).mapEmpty();
  }

  /** Spark tasks done and known so far, for the execution's progress. */
  public Future<Void> tasks(String id, String node, long done, long total) {
    return mongo.updateCollection(EXECUTIONS, new JsonObject().put("_id", id).put("node", node).put("status", "running"),
        new JsonObject().put("$set", new JsonObject().put("tasks_done", done).put("tasks_total", total))).mapEmpty();
  }

  /**
   * Records how an execution ended, only if {@code node} still holds it: a node that lost its lease records nothing.
   * Completes with whether it was recorded.
   */
  public Future<Boolean> finish(String id, String node, String status, JsonObject fields) {
    JsonObject set = fields.copy().put("status", status).put("finished_at", Instant.now().toString());
    if ("succeeded".equals(status)) {
      set.put("progress", 1.0);
    }
    return mongo.updateCollection(EXECUTIONS, new JsonObject().put("_id", id).put("node", node).put("status", "running"),
        new JsonObject().put("$set", set)).map(result -> result.getDocModified() == 1);
  }

  /** A node that stops hands back the executions it runs: queued again, for another node or its own restart. */
  public Future<Void> release(String node, List<String> ids) {
    if (ids.isEmpty()) {
      return Future.succeededFuture();
    }
    return mongo.updateCollectionWithOptions(EXECUTIONS, new JsonObject()
            .put("_id", new JsonObject().put("$in", new JsonArray(ids))).put("node", node).put("status", "running"),
        new JsonObject().put("$set", new JsonObject().put("status", "queued").put("node", (String) null)),
        new UpdateOptions().setMulti(true)).mapEmpty();
  }

  /** Puts executions whose lease ran out back in the queue, or fails them after their last attempt. */
  public Future<Void> requeueExpired() {
    long now = System.currentTimeMillis();
    JsonObject expired = new JsonObject().put("status", "running").put("lease_until", new JsonObject().put("$lt", now));
    return mongo.find(EXECUTIONS, expired).compose(found -> Future.join(found.stream().map(execution -> {
      boolean lastAttempt = execution.getInteger("attempts", 0) >= execution.getInteger("max_attempts", 1);
      JsonObject set = lastAttempt
          ? new JsonObject().put("status", "failed").put("finished_at", Instant.now().toString())
              .put("error", "its node stopped answering on the last of " + execution.getInteger("max_attempts") + " attempts")
          : new JsonObject().put("status", "queued").put("node", (String) null);
      JsonObject stillExpired = expired.copy().put("_id", execution.getString("_id"))
          .put("node", execution.getString("node"));
      return mongo.updateCollection(EXECUTIONS, stillExpired, new JsonObject().put("$set", set));
    }).toList())).mapEmpty();
  }

  /** Cancels a queued execution at once; asks the node running one to stop it. */
  public Future<JsonObject> cancel(String id) {
    return get(id).compose(execution -> switch (execution.getString("status")) {
      case "queued" -> mongo.updateCollection(EXECUTIONS, new JsonObject().put("_id", id).put("status", "queued"),
          new JsonObject().put("$set", new JsonObject().put("status", "cancelled")
              .put("finished_at", Instant.now().toString()))).compose(v -> get(id));
      case "running" -> mongo.updateCollection(EXECUTIONS, byId(id),
          new JsonObject().put("$set", new JsonObject().put("cancel_requested", true))).compose(v -> get(id));
      default -> Future.failedFuture(McpException.conflict("execution '" + id + "' is already "
          + execution.getString("status")));
    });
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
