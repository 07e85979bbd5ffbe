package io.mlplatform.queue;

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
import java.util.function.IntFunction;

/**
 * A durable work queue in a MongoDB collection (executions, workflow runs): a node claims the oldest queued document
 * with findOneAndUpdate (so one node gets it), holds it with a lease it renews, and writes to it only while it still
 * holds it. A document whose lease ran out goes back to the queue, or fails after its last attempt, so a dead node's
 * work is taken up elsewhere. Documents have {@code _id, status, node, lease_until, attempts, max_attempts,
 * cancel_requested, created_at}.
 */
public final class LeasedQueue {
  private final MongoClient mongo;
  private final String collection;
  private final String what;
  private final IntFunction<Object> lostOnLastAttempt;

  /**
   * @param what              what a document is, for messages ("execution", "workflow run")
   * @param lostOnLastAttempt the {@code error} recorded when a holder stopped answering on the last of n attempts
   */
  public LeasedQueue(MongoClient mongo, String collection, String what, IntFunction<Object> lostOnLastAttempt) {
    this.mongo = mongo;
    this.collection = collection;
    this.what = what;
    this.lostOnLastAttempt = lostOnLastAttempt;
  }

  /**
   * The indexes of the queue's queries: claims (queued, oldest first), expired leases and lists by status (newest
   * first), and lists of every document newest first.
   */
  public Future<Void> ensureIndexes() {
    return Documents.ensureIndexes(mongo, collection, new JsonObject().put("status", 1).put("created_at", 1),
        new JsonObject().put("created_at", -1));
  }

  /** Matches documents {@code node} holds (add the {@code _id}). */
  public static JsonObject heldBy(String node) {
    return new JsonObject().put("node", node).put("status", "running");
  }

  /** Takes the oldest queued document for {@code node}, or completes with null when none waits. */
  public Future<JsonObject> claim(String node, long leaseMillis) {
    JsonObject update = new JsonObject()
        .put("$set", heldBy(node).put("lease_until", System.currentTimeMillis() + leaseMillis)
            .put("started_at", Instant.now().toString()))
        .put("$inc", new JsonObject().put("attempts", 1));
    return mongo.findOneAndUpdateWithOptions(collection, new JsonObject().put("status", "queued"), update,
        new FindOptions().setSort(new JsonObject().put("created_at", 1)), new UpdateOptions().setReturningNewDocument(true));
  }

  /** Extends the leases of what {@code node} holds; completes with the ids of those whose cancellation was asked. */
  public Future<List<String>> renew(String node, List<String> ids, long leaseMillis) {
    if (ids.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    JsonObject mine = heldBy(node).put("_id", new JsonObject().put("$in", new JsonArray(ids)));
    return mongo.updateCollectionWithOptions(collection, mine, new JsonObject().put("$set",
            new JsonObject().put("lease_until", System.currentTimeMillis() + leaseMillis)), new UpdateOptions().setMulti(true))
        .compose(v -> mongo.findWithOptions(collection, mine.copy().put("cancel_requested", true),
            new FindOptions().setFields(new JsonObject().put("_id", 1))))
        .map(found -> found.stream().map(document -> document.getString("_id")).toList());
  }

  /** Records how a document's work ended, only while {@code node} holds it; completes with whether it did. */
  public Future<Boolean> finish(String id, String node, String status, JsonObject fields) {
    JsonObject set = fields.copy().put("status", status).put("finished_at", Instant.now().toString());
    return mongo.updateCollection(collection, heldBy(node).put("_id", id), new JsonObject().put("$set", set))
        .map(result -> result.getDocMatched() == 1);
  }

  /** A stopping node hands back what it holds: queued again, for another node or its own restart. */
  public Future<Void> release(String node, List<String> ids) {
    if (ids.isEmpty()) {
      return Future.succeededFuture();
    }
    return mongo.updateCollectionWithOptions(collection, heldBy(node).put("_id", new JsonObject().put("$in", new JsonArray(ids))),
        new JsonObject().put("$set", new JsonObject().put("status", "queued").put("node", (String) null)),
        new UpdateOptions().setMulti(true)).mapEmpty();
  }

  /** Queues again what is held under a lease that ran out (its node died), or fails it after its last attempt. */
  public Future<Void> requeueExpired() {
    JsonObject expired = new JsonObject().put("status", "running")
        .put("lease_until", new JsonObject().put("$lt", System.currentTimeMillis()));
    FindOptions fields = new FindOptions().setFields(new JsonObject().put("node", 1).put("attempts", 1)
        .put("max_attempts", 1));
    return mongo.findWithOptions(collection, expired, fields).compose(found -> Future.join(found.stream().map(document -> {
      int maxAttempts = document.getInteger("max_attempts", 1);
      JsonObject set = document.getInteger("attempts", 0) >= maxAttempts
          ? new JsonObject().put("status", "failed").put("finished_at", Instant.now().toString())
              .put("error", lostOnLastAttempt.apply(maxAttempts))
          : new JsonObject().put("status", "queued").put("node", (String) null);
      return mongo.updateCollection(collection, expired.copy().put("_id", document.getString("_id"))
          .put("node", document.getString("node")), new JsonObject().put("$set", set));
    }).toList())).mapEmpty();
  }

  /**
   * Cancels a queued document at once and asks the node holding a running one to stop it (it learns so at its next
   * renewal); {@code status} is the document's current one. Conflict when it already ended.
   */
  public Future<Void> cancel(String id, String status) {
    JsonObject byId = new JsonObject().put("_id", id);
    return switch (status) {
      case "queued" -> mongo.updateCollection(collection, byId.copy().put("status", "queued"), new JsonObject().put("$set",
          new JsonObject().put("status", "cancelled").put("finished_at", Instant.now().toString()))).mapEmpty();
      case "running" -> mongo.updateCollection(collection, byId,
          new JsonObject().put("$set", new JsonObject().put("cancel_requested", true))).mapEmpty();
      default -> Future.failedFuture(McpException.conflict(what + " '" + id + "' is already " + status));
    };
  }
}
