package io.mlplatform.workflow;

import io.mlplatform.mcp.Envelope;
import io.mlplatform.mcp.McpClient;
import io.mlplatform.mcp.Nodes;
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

  /** How long a stopping worker waits for the tasks it took (their answers would be lost after it is gone). */
  private static final long DRAIN_MILLIS = 10_000;

  private final String nodeId;
  private final long timeoutMillis;
  private Nodes.Binding consumer;
  private int inFlight;

  public TaskWorkerVerticle(String nodeId, long timeoutMillis) {
    this.nodeId = nodeId;
    this.timeoutMillis = timeoutMillis;
  }

  @Override
  public Future<?> start() {
    Envelope.Party self = new Envelope.Party("workflow-worker@" + nodeId, "workflow-worker");
    PlatformCalls calls = new PlatformCalls(vertx, new McpClient(vertx, self, timeoutMillis));
    return new OperationRouter(self)
        .onBehalf(OPERATION, (payload, caller) -> {
          inFlight++;
          return calls.onBehalfOf(caller).perform(payload.getJsonObject("call").copy().put("wait", false), id -> {
          }, () -> false).map(output -> new JsonObject().put("node", nodeId).put("output", output))
              .andThen(done -> inFlight--);
        })
        .bind(vertx, ADDRESS).onSuccess(bound -> consumer = bound);
  }

  /**
   * Takes no more tasks, then lets the ones under way finish before the verticle goes: the calls they wait on answer
   * to this verticle, and a task whose answer is lost would hold its map step until the request timeout.
   */
  @Override
  public Future<?> stop() {
    Future<Void> unregistered = consumer == null ? Future.succeededFuture() : consumer.unregister();
    long deadline = System.currentTimeMillis() + DRAIN_MILLIS;
    return unregistered.compose(v -> drained(deadline));
  }

  private Future<Void> drained(long deadline) {
    if (inFlight == 0 || System.currentTimeMillis() > deadline) {
      return Future.succeededFuture();
    }
    io.vertx.core.Promise<Void> later = io.vertx.core.Promise.promise();
    vertx.setTimer(50, id -> drained(deadline).onComplete(later));
    return later.future();
  }
}
