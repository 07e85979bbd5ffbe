package io.mlplatform.workflow;

import io.mlplatform.mcp.Envelope;
import io.mlplatform.mcp.McpClient;
import io.mlplatform.mcp.OperationRouter;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;

/**
 * A worker of the orchestrator-workers pattern: runs the tasks of map steps (one call each) sent to its address.
 * Every node with the hub or execution role runs one, so the event bus spreads tasks over those nodes.
 */
public final class TaskWorkerVerticle extends VerticleBase {
  public static final String ADDRESS = "mcp.workflow.tasks";
  public static final String OPERATION = "workflow.task";
  static final Envelope.Party PARTY = new Envelope.Party(ADDRESS, "workflow-worker");

  private final String nodeId;
  private final long timeoutMillis;

  public TaskWorkerVerticle(String nodeId, long timeoutMillis) {
    this.nodeId = nodeId;
    this.timeoutMillis = timeoutMillis;
  }

  @Override
  public Future<?> start() {
    Envelope.Party self = new Envelope.Party("workflow-worker@" + nodeId, "workflow-worker");
    PlatformCalls calls = new PlatformCalls(vertx, new McpClient(vertx.eventBus(), self, timeoutMillis));
    return new OperationRouter(self)
        .on(OPERATION, payload -> calls.perform(payload.getJsonObject("call").copy().put("wait", false), id -> {
        }, () -> false).map(output -> new JsonObject().put("node", nodeId).put("output", output)))
        .bind(vertx.eventBus(), ADDRESS);
  }
}
