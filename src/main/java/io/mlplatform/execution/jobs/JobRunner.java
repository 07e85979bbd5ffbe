package io.mlplatform.execution.jobs;

import io.mlplatform.mcp.Addresses;
import io.mlplatform.mcp.Envelope;
import io.mlplatform.mcp.McpClient;
import io.mlplatform.mcp.McpException;
import io.mlplatform.execution.spark.SparkRuntime;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Runs queued executions on this node: claims them (up to a concurrency limit), keeps their leases alive, cancels the
 * Spark jobs of those asked to stop, records outcomes and publishes status events.
 */
public final class JobRunner {
  private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);
  public static final String EVENTS = Addresses.EVENTS_PREFIX + "executions";
  private static final long TICK_MILLIS = 500;
  private static final Envelope.Party HUB = new Envelope.Party(Addresses.HUB, "hub");

  private final Vertx vertx;
  private final String nodeId;
  private final ExecutionStore store;
  private final Map<String, JobType> types;
  private final int concurrency;
  private final SparkRuntime spark;
  private final McpClient client;
  private final WorkerExecutor workers;
  private final Map<String, Boolean> running = new ConcurrentHashMap<>();
  private final ArrayList<Long> timers = new ArrayList<>();
  private final long leaseMillis;
  private final long renewMillis;
  private boolean claiming;
  private volatile boolean stopping;
  private long lastRequeue;

  public JobRunner(Vertx vertx, String nodeId, ExecutionStore store, Map<String, JobType> types, int concurrency,
                   long leaseMillis, SparkRuntime spark, McpClient client) {
    this.leaseMillis = leaseMillis;
    this.renewMillis = Math.max(200, leaseMillis / 5);
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.store = store;
    this.types = types;
    this.concurrency = concurrency;
    this.spark = spark;
    this.client = client;
    this.workers = vertx.createSharedWorkerExecutor("mlp-jobs", Math.max(1, concurrency), 6, TimeUnit.HOURS);
  }

  public void start() {
    timers.add(vertx.setPeriodic(TICK_MILLIS, id -> tick()));
    timers.add(vertx.setPeriodic(renewMillis, id -> renew()));
  }

  /** Looks for work now (an execution was just queued). */
  public void tick() {
    if (claiming) {
      return;
    }
    claiming = true;
    Future<Void> requeued = Future.succeededFuture();
    if (System.currentTimeMillis() - lastRequeue > renewMillis) {
      lastRequeue = System.currentTimeMillis();
      requeued = store.requeueExpired().otherwiseEmpty();
    }
    requeued.compose(v -> claimWhileFree()).onComplete(done -> {
      claiming = false;
      if (done.failed()) {
        LOG.warn("claiming executions failed: {}", done.cause().getMessage());
      }
    });
  }

  private Future<Void> claimWhileFree() {
    if (stopping || running.size() >= concurrency) {
      return Future.succeededFuture();
    }
    return store.claim(nodeId, leaseMillis).compose(execution -> {
      if (execution == null) {
        return Future.succeededFuture();
      }
      run(execution);
      return claimWhileFree();
    });
  }

  private void run(JsonObject execution) {
    String id = execution.getString("_id");
    running.put(id, false);
    publish(id, "running", 0.0);
    JobType type = types.get(execution.getString("type"));
    Context context = new Context(id, execution.getJsonObject("request"));
    store.log(id, "attempt " + execution.getInteger("attempts") + " on node " + nodeId);
    workers.<JsonObject>executeBlocking(() -> {
      if (type == null) {
        throw McpException.invalid("this node does not know execution type " + execution.getString("type"));
      }
      return type.run(context);
    }, false).onComplete(outcome -> {
      if (stopping) {
        // handed back in stop(): the node's Spark jobs ended because the node stops, not because they failed
        running.remove(id);
        return;
      }
      boolean cancelled = Boolean.TRUE.equals(running.remove(id));
      long[] tasks = spark.tasks(id);
      spark.forgetTasks(id);
      String status = outcome.succeeded() ? "succeeded" : cancelled ? "cancelled" : "failed";
      JsonObject fields = new JsonObject().put("tasks_done", tasks[0]).put("tasks_total", tasks[1]);
      if (outcome.succeeded()) {
        fields.put("result", outcome.result());
      } else {
        fields.put("error", cancelled ? "cancelled by request" : message(outcome.cause()));
        if (!cancelled && !(outcome.cause() instanceof McpException)) {
          LOG.warn("execution {} failed", id, outcome.cause());
        }
      }
      store.log(id, status + (outcome.failed() ? ": " + fields.getString("error") : ""))
          .compose(v -> store.finish(id, nodeId, status, fields))
          .onSuccess(recorded -> {
            if (recorded) {
              publish(id, status, outcome.succeeded() ? 1.0 : null);
            }
          });
      tick();
    });
  }

  private static String message(Throwable failure) {
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root && !(root instanceof McpException)) {
      root = root.getCause();
    }
    String text = root.getMessage() == null ? root.toString() : root.getMessage();
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline);
  }

  private void renew() {
    for (String id : running.keySet()) {
      long[] tasks = spark.tasks(id);
      if (tasks[1] > 0) {
        client.publish(EVENTS, "execution.status", new JsonObject().put("id", id).put("status", "running")
            .put("tasks_done", tasks[0]).put("tasks_total", tasks[1]));
        store.tasks(id, nodeId, tasks[0], tasks[1]);
      }
    }
    store.renew(nodeId, new ArrayList<>(running.keySet()), leaseMillis).onSuccess(cancelRequested -> {
      for (JsonObject execution : cancelRequested) {
        if (running.replace(execution.getString("_id"), false, true)) {
          LOG.info("cancelling execution {}", execution.getString("_id"));
        }
      }
      // again at every renewal: a cancel only stops the jobs already submitted, and a job may start after it
      running.forEach((id, cancelled) -> {
        if (cancelled && spark.started()) {
          spark.session().sparkContext().cancelJobGroup(id);
        }
      });
    });
  }

  private void publish(String id, String status, Double progress) {
    JsonObject event = new JsonObject().put("id", id).put("status", status).put("node", nodeId);
    if (progress != null) {
      event.put("progress", progress);
    }
    client.publish(EVENTS, "execution.status", event);
  }

  /** Stops claiming and hands the executions under way back to the queue (their attempt stays counted). */
  public Future<Void> stop() {
    stopping = true;
    timers.forEach(vertx::cancelTimer);
    List<String> handedBack = new ArrayList<>(running.keySet());
    return store.release(nodeId, handedBack).andThen(done -> handedBack.forEach(id ->
        store.log(id, "handed back to the queue: node " + nodeId + " stopped")));
  }

  /** A running job's view of the node. */
  private final class Context implements JobContext {
    private final String id;
    private final JsonObject request;

    Context(String id, JsonObject request) {
      this.id = id;
      this.request = request;
    }

    @Override
    public String id() {
      return id;
    }

    @Override
    public JsonObject request() {
      return request;
    }

    @Override
    public SparkSession spark() {
      SparkSession session = spark.session();
      session.sparkContext().setJobGroup(id, "execution " + id, true);
      if (Boolean.TRUE.equals(running.get(id))) {
        throw McpException.invalid("cancelled by request");
      }
      return session;
    }

    @Override
    public void progress(double fraction) {
      store.progress(id, nodeId, fraction);
      publish(id, "running", fraction);
    }

    @Override
    public void log(String line) {
      store.log(id, line);
      client.publish(EVENTS, "execution.log", new JsonObject().put("id", id).put("line", line));
    }

    @Override
    public JsonObject call(String operation, JsonObject payload) throws Exception {
      return client.send(Addresses.HUB, client.newRequest(HUB, operation, payload))
          .toCompletionStage().toCompletableFuture().get(5, TimeUnit.MINUTES);
    }
  }
}
