package io.mlplatform.workflow;

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
import java.util.Map;
import java.util.UUID;

/**
 * Workflow runs in MongoDB, a {@link LeasedQueue} as executions are: a hub node claims a run, renews its lease while
 * it runs it, and writes each step's state only while it still holds it. A run whose lease ran out (or whose node
 * stopped) is queued again and resumed from its finished steps by any hub.
 * Inputs and outputs are kept as JSON text, so any keys (column names with dots) are stored as given.
 */
public final class RunStore {
  static final String RUNS = "workflow_runs";

  private final MongoClient mongo;
  private final LeasedQueue queue;

  public RunStore(MongoClient mongo) {
    this.mongo = mongo;
    this.queue = new LeasedQueue(mongo, RUNS, "workflow run", attempts -> new JsonObject()
        .put("message", "its hub stopped answering on the last of " + attempts + " attempts"));
  }

  /**
   * Queues a run of a definition on behalf of {@code caller} (whose permissions its calls get, and whose roles its
   * gates check); {@code order} lists its steps (id, kind, parent) for display.
   */
  public Future<JsonObject> create(JsonObject workflow, JsonObject input, JsonArray order, int maxAttempts,
                                   Caller caller) {
    String id = UUID.randomUUID().toString();
    JsonObject run = new JsonObject().put("_id", id).put("id", id).put("workflow", workflow.getString("name"))
        .put("version", workflow.getInteger("version")).put("status", "queued")
        .put("definition_json", workflow.getJsonObject("definition").encode()).put("input_json", input.encode())
        .put("order", order).put("steps", new JsonObject()).put("attempts", 0).put("max_attempts", maxAttempts)
        .put("created_at", Instant.now().toString()).put("cancel_requested", false)
        .put("caller", caller == null ? null : caller.toJson());
    return mongo.insert(RUNS, run).map(ok -> shown(run));
  }

  public Future<JsonObject> get(String id) {
    return document(id).map(RunStore::shown);
  }

  private Future<JsonObject> document(String id) {
    return mongo.findOne(RUNS, byId(id), null).compose(found -> found == null
        ? Future.failedFuture(McpException.notFound("workflow run '" + id + "' does not exist"))
        : Future.succeededFuture(found));
  }

  /** The indexes of the queue's queries and of the runs of one workflow, newest first. */
  public Future<Void> ensureIndexes() {
    return queue.ensureIndexes().compose(v -> Documents.ensureIndexes(mongo, RUNS,
        new JsonObject().put("workflow", 1).put("created_at", -1)));
  }

  /** {items, total}: runs newest first, without their steps' details. */
  public Future<JsonObject> page(String workflow, String status, int limit, int offset) {
    JsonObject query = new JsonObject();
    if (workflow != null) {
      query.put("workflow", workflow);
    }
    if (status != null) {
      query.put("status", status);
    }
    FindOptions options = new FindOptions().setSort(new JsonObject().put("created_at", -1)).setLimit(limit).setSkip(offset)
        .setFields(new JsonObject().put("steps", 0).put("definition_json", 0).put("order", 0));
    return mongo.count(RUNS, query).compose(total -> mongo.findWithOptions(RUNS, query, options).map(found -> {
      JsonArray items = new JsonArray();
      found.forEach(run -> items.add(shown(run)));
      return new JsonObject().put("items", items).put("total", total);
    }));
  }

  /** The runs as a leased queue: claimed by hub nodes, renewed, handed back, queued again when their hub died. */
  LeasedQueue queue() {
    return queue;
  }

  /** Sets fields of one step's state while {@code node} holds the run; completes with whether it still does. */
  public Future<Boolean> saveStep(String id, String node, String step, JsonObject fields) {
    JsonObject set = new JsonObject();
    for (Map.Entry<String, Object> field : fields) {
      set.put("steps." + step + "." + field.getKey(), field.getValue());
    }
    return mongo.updateCollection(RUNS, LeasedQueue.heldBy(node).put("_id", id), new JsonObject().put("$set", set))
        .map(result -> result.getDocMatched() == 1);
  }

  /** Records how a run ended, only while {@code node} holds it. */
  public Future<Boolean> finish(String id, String node, String status, JsonObject fields) {
    return queue.finish(id, node, status, fields);
  }

  /** Cancels a queued run at once; asks the hub running one to stop it. */
  public Future<JsonObject> cancel(String id) {
    return document(id).compose(run -> queue.cancel(id, run.getString("status"))).compose(v -> get(id));
  }

  private static JsonObject byId(String id) {
    return new JsonObject().put("_id", id);
  }

  /** The run as the API shows it: inputs and outputs as JSON, its steps in definition order. */
  static JsonObject shown(JsonObject run) {
    JsonObject shown = Documents.shown(run);
    shown.remove("definition_json");
    shown.remove("lease_until");
    decode(shown, "input");
    decode(shown, "output");
    JsonArray order = (JsonArray) shown.remove("order");
    JsonObject states = (JsonObject) shown.remove("steps");
    if (order != null) {
      JsonArray steps = new JsonArray();
      for (Object entry : order) {
        JsonObject step = ((JsonObject) entry).copy();
        JsonObject state = states == null ? null : states.getJsonObject(step.getString("id"));
        step.put("status", "pending");
        if (state != null) {
          step.mergeIn(state);
          decode(step, "inputs");
          decode(step, "output");
          JsonObject tasks = (JsonObject) step.remove("tasks");
          if (tasks != null) {
            step.put("tasks_done", tasks.size());
          }
        }
        steps.add(step);
      }
      shown.put("steps", steps);
    }
    return shown;
  }

  private static void decode(JsonObject json, String field) {
    Object text = json.remove(field + "_json");
    if (text instanceof String encoded) {
      json.put(field, io.vertx.core.json.Json.decodeValue(encoded));
    }
  }

  /** The stored definition of a claimed run. */
  static JsonObject definition(JsonObject run) {
    return new JsonObject(run.getString("definition_json"));
  }

  /** The step states of a claimed run, with their outputs and saved fields decoded. */
  static JsonObject states(JsonObject run) {
    JsonObject states = run.getJsonObject("steps", new JsonObject()).copy();
    for (String id : states.fieldNames()) {
      decode(states.getJsonObject(id), "output");
      decode(states.getJsonObject(id), "inputs");
    }
    return states;
  }
}
