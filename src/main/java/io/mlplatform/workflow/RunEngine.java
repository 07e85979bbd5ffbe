package io.mlplatform.workflow;

import io.mlplatform.mcp.McpClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs workflow runs on this hub node: claims queued ones (up to a limit), keeps their leases alive, passes on
 * cancellations, puts back in the queue the runs of hubs that stopped answering, and hands its own runs back when
 * the node stops, so another hub resumes them from their last finished step.
 */
final class RunEngine {
  private static final Logger LOG = LoggerFactory.getLogger(RunEngine.class);
  private static final long TICK_MILLIS = 500;

  private final Vertx vertx;
  private final String nodeId;
  private final RunStore store;
  private final PlatformCalls calls;
  private final McpClient events;
  private final int concurrency;
  private final long leaseMillis;
  /** run id → whether its cancellation was asked. */
  private final Map<String, Boolean> running = new ConcurrentHashMap<>();
  private final List<Long> timers = new ArrayList<>();
  private boolean claiming;
  private boolean stopping;
  private long lastRequeue;

  RunEngine(Vertx vertx, String nodeId, RunStore store, PlatformCalls calls, McpClient events, int concurrency,
            long leaseMillis) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.store = store;
    this.calls = calls;
    this.events = events;
    this.concurrency = concurrency;
    this.leaseMillis = leaseMillis;
  }

  void start() {
    timers.add(vertx.setPeriodic(TICK_MILLIS, t -> tick()));
    timers.add(vertx.setPeriodic(Math.max(200, leaseMillis / 5), t -> renew()));
  }

  /** Looks for runs to take now (one was just queued). */
  void tick() {
    if (claiming || stopping) {
      return;
    }
    claiming = true;
    Future<Void> requeued = Future.succeededFuture();
    if (System.currentTimeMillis() - lastRequeue > leaseMillis / 5) {
      lastRequeue = System.currentTimeMillis();
      requeued = store.requeueExpired().otherwiseEmpty();
    }
    requeued.compose(v -> claimWhileFree()).onComplete(done -> {
      claiming = false;
      if (done.failed()) {
        LOG.warn("claiming workflow runs failed: {}", done.cause().getMessage());
      }
    });
  }

  private Future<Void> claimWhileFree() {
    if (stopping || running.size() >= concurrency) {
      return Future.succeededFuture();
    }
    return store.claim(nodeId, leaseMillis).compose(run -> {
      if (run == null) {
        return Future.succeededFuture();
      }
      walk(run);
      return claimWhileFree();
    });
  }

  private void walk(JsonObject run) {
    String id = run.getString("_id");
    running.put(id, false);
    RunWalker walker;
    try {
      walker = new RunWalker(vertx, store, calls, events, nodeId, run, () -> Boolean.TRUE.equals(running.get(id)));
    } catch (RuntimeException e) {
      LOG.warn("workflow run {} cannot be read", id, e);
      store.finish(id, nodeId, "failed", new JsonObject().put("error", new JsonObject().put("code", "internal")
          .put("message", "the run cannot be read: " + e.getMessage())));
      running.remove(id);
      return;
    }
    walker.run().onComplete(done -> {
      running.remove(id);
      if (done.failed() && !(done.cause() instanceof RunWalker.LeaseLost)) {
        LOG.warn("workflow run {} could not be recorded", id, done.cause());
      }
      tick();
    });
  }

  private void renew() {
    store.renew(nodeId, new ArrayList<>(running.keySet()), leaseMillis).onSuccess(cancelRequested ->
        cancelRequested.forEach(id -> running.replace(id, false, true)));
  }

  /** Stops taking runs and hands back those under way. */
  Future<Void> stop() {
    stopping = true;
    timers.forEach(vertx::cancelTimer);
    return store.release(nodeId, new ArrayList<>(running.keySet()));
  }
}
