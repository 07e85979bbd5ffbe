package io.mlplatform.workflow;

import io.mlplatform.mcp.McpClient;
import io.mlplatform.queue.ClaimLoop;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs workflow runs on this hub node: claims queued ones (up to a limit), keeps their leases alive, passes on
 * cancellations, puts back in the queue the runs of hubs that stopped answering, and hands its own runs back when
 * the node stops, so another hub resumes them from their last finished step.
 */
final class RunEngine {
  private static final Logger LOG = LoggerFactory.getLogger(RunEngine.class);

  private final Vertx vertx;
  private final String nodeId;
  private final RunStore store;
  private final PlatformCalls calls;
  private final McpClient events;
  private final ClaimLoop loop;

  RunEngine(Vertx vertx, String nodeId, RunStore store, PlatformCalls calls, McpClient events, int concurrency,
            long leaseMillis) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.store = store;
    this.calls = calls;
    this.events = events;
    this.loop = new ClaimLoop(vertx, nodeId, store.queue(), concurrency, leaseMillis, this::walk);
  }

  void start() {
    loop.start();
  }

  /** Looks for runs to take now (one was just queued). */
  void tick() {
    loop.tick();
  }

  private void walk(JsonObject run) {
    String id = run.getString("_id");
    RunWalker walker;
    try {
      walker = new RunWalker(vertx, store, calls, events, nodeId, run, () -> loop.cancelRequested(id));
    } catch (RuntimeException e) {
      LOG.warn("workflow run {} cannot be read", id, e);
      store.finish(id, nodeId, "failed", new JsonObject().put("error", new JsonObject().put("code", "internal")
          .put("message", "the run cannot be read: " + e.getMessage())));
      loop.finished(id);
      return;
    }
    walker.run().onComplete(done -> {
      loop.finished(id);
      if (done.failed() && !(done.cause() instanceof RunWalker.LeaseLost)) {
        LOG.warn("workflow run {} could not be recorded", id, done.cause());
      }
      loop.tick();
    });
  }

  /** Stops taking runs and hands back those under way. */
  Future<Void> stop() {
    return loop.stop().mapEmpty();
  }
}
