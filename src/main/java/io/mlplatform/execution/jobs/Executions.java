package io.mlplatform.execution.jobs;

import io.mlplatform.mcp.Caller;
import io.mlplatform.mcp.McpClient;
import io.mlplatform.mcp.McpException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.Map;

/** Executions in their durable queue ({@link ExecutionStore}); a new one is announced so that idle runners claim it. */
public final class Executions implements ExecutionService {

  private final ExecutionStore store;
  private final Map<String, JobType> types;
  private final McpClient client;
  private final int maxAttempts;

  /** @param client asks the registries (through the hub) what a request names, and announces new executions */
  public Executions(ExecutionStore store, Map<String, JobType> types, McpClient client, int maxAttempts) {
    this.store = store;
    this.types = types;
    this.client = client;
    this.maxAttempts = maxAttempts;
  }

  @Override
  public Future<JsonObject> create(String type, JsonObject request, Caller caller) {
    JobType job = types.get(type);
    if (job == null) {
      return Future.failedFuture(McpException.invalidField("type", "unknown execution type '" + type + "' (types: "
          + types.keySet() + ")"));
    }
    Future<JsonObject> check;
    try {
      check = job.check(request, client::hub);
    } catch (McpException e) {
      check = Future.failedFuture(e);
    }
    return check.compose(checked -> store.enqueue(type, checked, maxAttempts, caller))
        .map(queued -> {
          client.publish(JobRunner.EVENTS, "execution.status", new JsonObject().put("id", queued.getString("id"))
              .put("status", "queued"));
          return queued;
        });
  }

  @Override
  public Future<JsonObject> list(String status, int limit, int offset) {
    return store.page(status, limit, offset);
  }

  @Override
  public Future<JsonObject> get(String id) {
    return store.get(id);
  }

  @Override
  public Future<JsonObject> logs(String id) {
    return store.logs(id);
  }

  @Override
  public Future<JsonObject> cancel(String id) {
    return store.cancel(id);
  }
}
