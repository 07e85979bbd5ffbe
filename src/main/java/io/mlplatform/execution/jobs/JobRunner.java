package io.mlplatform.execution.jobs;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.mlplatform.execution.spark.SparkRuntime;
import io.mlplatform.mcp.Addresses;
import io.mlplatform.mcp.Caller;
import io.mlplatform.mcp.McpClient;
import io.mlplatform.mcp.McpException;
import io.mlplatform.node.Meters;
import io.mlplatform.policy.Policy;
import io.mlplatform.queue.ClaimLoop;
import io.mlplatform.storage.ObjectStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs queued executions on this node: claims them (up to a concurrency limit), keeps their leases alive, cancels the
 * Spark jobs of those asked to stop, records outcomes and publishes status events.
 */
public final class JobRunner {
  private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);
  public static final String EVENTS = Addresses.EVENTS_PREFIX + "executions";

  private final String nodeId;
  private final MeterRegistry meters;
  private final ExecutionStore store;
  private final Map<String, JobType> types;
  private final SparkRuntime spark;
  private final McpClient client;
  private final ObjectStore objects;
  private final WorkerExecutor workers;
  private final ClaimLoop loop;

  public JobRunner(Vertx vertx, String nodeId, ExecutionStore store, Map<String, JobType> types, int concurrency,
                   long leaseMillis, SparkRuntime spark, McpClient client, ObjectStore objects) {
    this.objects = objects;
    this.nodeId = nodeId;
    this.store = store;
    this.types = types;
    this.spark = spark;
    this.client = client;
    this.meters = Meters.of(vertx);
    this.workers = vertx.createSharedWorkerExecutor("mlp-jobs", Math.max(1, concurrency), 6, TimeUnit.HOURS);
    this.loop = new ClaimLoop(vertx, nodeId, store.queue(), concurrency, leaseMillis, this::run)
        .afterRenew(this::afterRenew);
  }

  public void start() {
    loop.start();
  }

  /** Looks for work now (an execution was just queued). */
  public void tick() {
    loop.tick();
  }

  private void run(JsonObject execution) {
    String id = execution.getString("_id");
    long started = System.nanoTime();
    publish(id, "running", 0.0);
    JobType type = types.get(execution.getString("type"));
    Context context = new Context(id, execution.getJsonObject("request"), Caller.fromJson(execution.getJsonObject("caller")));
    store.log(id, "attempt " + execution.getInteger("attempts") + " on node " + nodeId);
    workers.<JsonObject>executeBlocking(() -> {
      if (type == null) {
        throw McpException.invalid("this node does not know execution type " + execution.getString("type"));
      }
      if (execution.getInteger("attempts", 1) > 1) {
        int removed = EarlierAttempts.removeLeftovers(objects, id);
        if (removed > 0) {
          context.log("removed " + removed + " objects an earlier attempt left unfinished");
        }
      }
      try {
        return type.run(context);
      } catch (OutOfMemoryError e) {
        throw new OutOfMemory(e);
      }
    }, false).onComplete(outcome -> {
      boolean cancelled = loop.finished(id);
      if (loop.stopping()) {
        // handed back in stop(): the node's Spark jobs ended because the node stops, not because they failed
        return;
      }
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
              Timer.builder("mlplatform.executions").description("executions that ended on this node, by type and"
                  + " status; the time is this attempt's").tag("type", String.valueOf(execution.getString("type")))
                  .tag("status", status).register(meters).record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            }
          })
          .onComplete(recorded -> {
            if (outcome.cause() instanceof OutOfMemory) {
              OutOfMemory.exit(id);
            }
          });
      loop.tick();
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

  /**
   * A job ran the JVM out of heap. Its execution fails with the cause and what to change, then the node exits
   * (status 3) so that a supervisor starts it afresh: after an OutOfMemoryError any thread may be broken.
   */
  static final class OutOfMemory extends RuntimeException {
    OutOfMemory(OutOfMemoryError error) {
      super("the node ran out of memory (" + error.getMessage()
          + ", max heap " + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MB) running this execution: start"
          + " the node with a larger heap (java -Xmx…), or use fewer rows or columns (a transform's sample or select"
          + " step, \"exclude\", a lower max_categories)", null, false, false);
    }

    static void exit(String execution) {
      LOG.error("execution {} ran the node out of memory: the node exits (status 3) to be restarted", execution);
      Thread exit = new Thread(() -> {
        Thread watchdog = new Thread(() -> {
          try {
            Thread.sleep(30_000);
          } catch (InterruptedException e) {
            return;
          }
          Runtime.getRuntime().halt(3);
        }, "mlp-oom-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        System.exit(3);
      }, "mlp-oom-exit");
      exit.start();
    }
  }

  /** Publishes the Spark progress of what runs here, and cancels again (at every renewal) what was asked to stop. */
  private void afterRenew() {
    for (String id : loop.held()) {
      long[] tasks = spark.tasks(id);
      if (tasks[1] > 0) {
        client.publish(EVENTS, "execution.status", new JsonObject().put("id", id).put("status", "running")
            .put("tasks_done", tasks[0]).put("tasks_total", tasks[1]));
        store.tasks(id, nodeId, tasks[0], tasks[1]);
      }
      // again every time: a cancel only stops the jobs already submitted, and a job may start after it
      if (loop.cancelRequested(id) && spark.started()) {
        spark.session().sparkContext().cancelJobGroup(id);
      }
    }
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
    return loop.stop().onSuccess(handedBack -> handedBack.forEach(id ->
        store.log(id, "handed back to the queue: node " + nodeId + " stopped"))).mapEmpty();
  }

  /** A running job's view of the node. */
  private final class Context implements JobContext {
    private final String id;
    private final JsonObject request;
    private final Caller caller;
    private boolean sparkNamed;

    Context(String id, JsonObject request, Caller caller) {
      this.id = id;
      this.request = request;
      this.caller = caller;
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
      if (!sparkNamed) {
        sparkNamed = true;
        log("Spark application " + session.sparkContext().applicationId() + " on " + session.sparkContext().master());
      }
      if (loop.cancelRequested(id)) {
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
      // on behalf of who queued the execution: a job does no more than its caller may, and what it records names them
      Policy.authorize(caller, operation);
      return client.hub(operation, payload, caller)
          .toCompletionStage().toCompletableFuture().get(5, TimeUnit.MINUTES);
    }
  }
}
