package io.mlplatform.workflow;

import io.mlplatform.mcp.ErrorCode;
import io.mlplatform.mcp.McpException;
import io.mlplatform.storage.VersionedCollection;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;

/**
 * Workflow definitions in MongoDB, versioned like models: posting a definition under an existing name adds the next
 * version. A version keeps its definition as JSON text, so any keys (a JSON schema's "$ref") are stored as given.
 */
public final class WorkflowStore {
  private final VersionedCollection workflows;

  public WorkflowStore(MongoClient mongo) {
    this.workflows = new VersionedCollection(mongo, "workflow", "workflows", "workflow_versions");
  }

  public Future<Void> ensureIndexes() {
    return workflows.ensureIndexes();
  }

  /** Records a checked definition as the next version of its workflow (creating the workflow on its first). */
  public Future<JsonObject> save(JsonObject definition) {
    String name = definition.getString("name");
    JsonObject fields = new JsonObject().put("description", definition.getString("description", ""));
    return workflows.create(name, fields)
        .recover(failure -> failure instanceof McpException e && e.code() == ErrorCode.CONFLICT
            ? workflows.update(name, new JsonObject().put("$set", fields)) : Future.failedFuture(failure))
        .compose(parent -> workflows.createVersion(name, new JsonObject().put("definition_json", definition.encode())))
        .map(WorkflowStore::shown);
  }

  public Future<JsonObject> list(String search, int limit, int offset) {
    return workflows.list(search, limit, offset);
  }

  /** The workflow with the definition of {@code version} (a number or "latest"). */
  public Future<JsonObject> get(String name, String version) {
    return workflows.get(name).compose(parent -> {
      Integer number = "latest".equals(version) || version == null ? parent.getInteger("latest_version")
          : VersionedCollection.number(version);
      if (number == null) {
        return Future.failedFuture(McpException.invalidField("version", "must be a version number or latest"));
      }
      return workflows.version(name, number).map(found -> parent.put("version", number)
          .put("definition", shown(found).getJsonObject("definition")));
    });
  }

  public Future<Void> delete(String name) {
    return workflows.delete(name).mapEmpty();
  }

  private static JsonObject shown(JsonObject version) {
    JsonObject copy = version.copy();
    Object text = copy.remove("definition_json");
    if (text != null) {
      copy.put("definition", new JsonObject((String) text));
    }
    return copy;
  }
}
