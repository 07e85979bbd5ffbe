package io.mlplatform.queue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Takes work from a {@link LeasedQueue} for one node: claims while it holds fewer than its concurrency, renews the
 * leases of what it holds (learning which were asked to cancel), puts back in the queue the work of nodes that
 * stopped answering, and hands its own back when it stops. What to do with a claimed document is the owner's
 * ({@code start}); the owner says {@link #finished(String)} when it ended.
 */
public final class ClaimLoop {
  private static final Logger LOG = LoggerFactory.getLogger(ClaimLoop.class);
  private static final long TICK_MILLIS = 500;

  private final Vertx vertx;
  private final String nodeId;
  private final LeasedQueue queue;
  private final int concurrency;
  private final long leaseMillis;
  private final long renewMillis;
  private final Consumer<JsonObject> start;
  /** id → whether its cancellation was asked. */
  private final Map<String, Boolean> held = new ConcurrentHashMap<>();
  private final List<Long> timers = new ArrayList<>();
  private Runnable afterRenew = () -> {
  };
  private boolean claiming;
  private volatile boolean stopping;
  private long lastRequeue;

  public ClaimLoop(Vertx vertx, String nodeId, LeasedQueue queue, int concurrency, long leaseMillis,
                   Consumer<JsonObject> start) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.queue = queue;
    this.concurrency = concurrency;
    this.leaseMillis = leaseMillis;
    this.renewMillis = Math.max(200, leaseMillis / 5);
    this.start = start;
  }

  /** Runs after every renewal, once cancellations are known (e.g. to stop work again that started since). */
  public ClaimLoop afterRenew(Runnable hook) {
    this.afterRenew = hook;
    return this;
  }

  public void start() {
    timers.add(vertx.setPeriodic(TICK_MILLIS, t -> tick()));
    timers.add(vertx.setPeriodic(renewMillis, t -> renew()));
  }

  /** Looks for work now (some was just queued, or some just ended). */
  public void tick() {
    if (claiming || stopping) {
      return;
    }
    claiming = true;
    Future<Void> requeued = Future.succeededFuture();
    if (System.currentTimeMillis() - lastRequeue > renewMillis) {
      lastRequeue = System.currentTimeMillis();
      requeued = queue.requeueExpired().otherwiseEmpty();
    }
    requeued.compose(v -> claimWhileFree()).onComplete(done -> {
      claiming = false;
      if (done.failed()) {
        LOG.warn("claiming work failed: {}", done.cause().getMessage());
      }
    });
  }

  private Future<Void> claimWhileFree() {
    if (stopping || held.size() >= concurrency) {
      return Future.succeededFuture();
    }
    return queue.claim(nodeId, leaseMillis).compose(claimed -> {
      if (claimed == null) {
        return Future.succeededFuture();
      }
      held.put(claimed.getString("_id"), false);
      start.accept(claimed);
      return claimWhileFree();
    });
  }

  private void renew() {
    queue.renew(nodeId, new ArrayList<>(held.keySet()), leaseMillis).onSuccess(cancelRequested -> {
      cancelRequested.forEach(id -> {
        if (held.replace(id, false, true)) {
          LOG.info("cancelling {}", id);
        }
      });
      afterRenew.run();
    });
  }

  /** The ids this node holds. */
  public Set<String> held() {
    return held.keySet();
  }

  public boolean cancelRequested(String id) {
    return Boolean.TRUE.equals(held.get(id));
  }

  /** Lets go of {@code id} (its work ended); completes with whether its cancellation had been asked. */
  public boolean finished(String id) {
    return Boolean.TRUE.equals(held.remove(id));
  }

  public boolean stopping() {
    return stopping;
  }

  /** Stops claiming and hands back what this node holds; completes with the ids handed back. */
  public Future<List<String>> stop() {
    stopping = true;
    timers.forEach(vertx::cancelTimer);
    List<String> handedBack = new ArrayList<>(held.keySet());
    return queue.release(nodeId, handedBack).map(handedBack);
  }
}
