package io.mlplatform.execution.deployments;

import io.mlplatform.mcp.McpException;
import io.mlplatform.storage.Documents;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.MongoClient;

import java.time.Instant;
import java.util.Collection;
import java.util.List;

/**
 * Deployments' desired state, their replicas' reported state, and the execution nodes' heartbeats, in MongoDB.
 * Every execution node reads the same desired state and live nodes, so they all agree on where replicas go.
 */
public final class DeploymentStore {
  private static final String DEPLOYMENTS = "deployments";
  private static final String REPLICAS = "deployment_replicas";
  private static final String NODES = "execution_nodes";

  private final MongoClient mongo;

  public DeploymentStore(MongoClient mongo) {
    this.mongo = mongo;
  }

  /** The indexes of the replica reports' queries (by deployment, by node) and of the live-node query. */
  public Future<Void> ensureIndexes() {
    return Documents.ensureIndexes(mongo, REPLICAS, new JsonObject().put("deployment", 1), new JsonObject().put("node", 1))
        .compose(v -> Documents.ensureIndexes(mongo, NODES, new JsonObject().put("heartbeat_at", 1)));
  }

  public Future<JsonObject> create(JsonObject deployment) {
    String now = Instant.now().toString();
    JsonObject document = deployment.copy().put("_id", deployment.getString("name"))
        .put("created_at", now).put("updated_at", now);
    return mongo.insert(DEPLOYMENTS, document).map(id -> Documents.shown(document))
        .recover(failure -> Future.failedFuture(Documents.isDuplicateKey(failure)
            ? McpException.conflict("deployment '" + deployment.getString("name") + "' already exists") : failure));
  }

  public Future<JsonObject> get(String name) {
    return mongo.findOne(DEPLOYMENTS, byId(name), null).compose(found -> found == null
        ? Future.failedFuture(McpException.notFound("deployment '" + name + "' does not exist"))
        : Future.succeededFuture(Documents.shown(found)));
  }

  public Future<JsonObject> page(int limit, int offset) {
    return Documents.page(mongo, DEPLOYMENTS, new JsonObject(), new JsonObject().put("name", 1), limit, offset);
  }

  public Future<List<JsonObject>> all() {
    return mongo.find(DEPLOYMENTS, new JsonObject()).map(found -> found.stream().map(Documents::shown).toList());
  }

  /** Sets the fields of {@code set} and removes those named in {@code unset}. */
  public Future<JsonObject> update(String name, JsonObject set, Collection<String> unset) {
    JsonObject change = new JsonObject().put("$set", set.copy().put("updated_at", Instant.now().toString()));
    if (!unset.isEmpty()) {
      JsonObject removed = new JsonObject();
      unset.forEach(field -> removed.put(field, ""));
      change.put("$unset", removed);
    }
    return mongo.updateCollection(DEPLOYMENTS, byId(name), change)
        .compose(result -> result.getDocMatched() == 0
            ? Future.failedFuture(McpException.notFound("deployment '" + name + "' does not exist"))
            : get(name));
  }

  public Future<Void> delete(String name) {
    return mongo.removeDocument(DEPLOYMENTS, byId(name)).compose(result -> result.getRemovedCount() == 0
        ? Future.failedFuture(McpException.notFound("deployment '" + name + "' does not exist"))
        : Future.succeededFuture());
  }

  /** The replicas' last reports for one deployment, or for all when name is null. */
  public Future<List<JsonObject>> replicas(String name) {
    JsonObject query = name == null ? new JsonObject() : new JsonObject().put("deployment", name);
    return mongo.findWithOptions(REPLICAS, query, new FindOptions().setSort(new JsonObject().put("_id", 1)))
        .map(found -> found.stream().map(Documents::shown).toList());
  }

  /** Replaces this node's replica reports with {@code reports}. */
  public Future<Void> report(String nodeId, Collection<JsonObject> reports) {
    JsonArray kept = new JsonArray();
    List<Future<String>> saves = reports.stream().map(report -> {
      String id = report.getString("deployment") + "/" + nodeId + "/" + report.getString("lane") + "/"
          + report.getInteger("index");
      kept.add(id);
      return mongo.save(REPLICAS, report.copy().put("_id", id).put("node", nodeId)
          .put("updated_at", Instant.now().toString()));
    }).toList();
    return Future.all(saves).compose(v -> mongo.removeDocuments(REPLICAS, new JsonObject().put("node", nodeId)
        .put("_id", new JsonObject().put("$nin", kept)))).mapEmpty();
  }

  /** Drops the reports of nodes that are gone. */
  public Future<Void> forgetReportsOutside(List<String> liveNodes) {
    return mongo.removeDocuments(REPLICAS, new JsonObject().put("node", new JsonObject()
        .put("$nin", new JsonArray(liveNodes)))).mapEmpty();
  }

  public Future<Void> heartbeat(String nodeId) {
    return mongo.save(NODES, new JsonObject().put("_id", nodeId).put("heartbeat_at", System.currentTimeMillis()))
        .mapEmpty();
  }

  /** Execution nodes whose last heartbeat is at most {@code withinMillis} old, sorted by id. */
  public Future<List<String>> liveNodes(long withinMillis) {
    JsonObject recent = new JsonObject().put("heartbeat_at",
        new JsonObject().put("$gte", System.currentTimeMillis() - withinMillis));
    return mongo.findWithOptions(NODES, recent, new FindOptions().setSort(new JsonObject().put("_id", 1)))
        .map(found -> found.stream().map(node -> node.getString("_id")).toList());
  }

  /** Forgets the nodes silent for longer than {@code millis}: a node killed without leaving stays out of the list. */
  public Future<Void> forgetNodesSilentFor(long millis) {
    return mongo.removeDocuments(NODES, new JsonObject().put("heartbeat_at",
        new JsonObject().put("$lt", System.currentTimeMillis() - millis))).mapEmpty();
  }

  /** A node leaving says so, so that the others take over its replicas at once. */
  public Future<Void> leave(String nodeId) {
    return mongo.removeDocument(NODES, byId(nodeId))
        .compose(v -> mongo.removeDocuments(REPLICAS, new JsonObject().put("node", nodeId))).mapEmpty();
  }

  private static JsonObject byId(String id) {
    return new JsonObject().put("_id", id);
  }
}
