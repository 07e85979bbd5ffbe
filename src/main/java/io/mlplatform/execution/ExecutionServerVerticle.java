package io.mlplatform.execution;

import io.mlplatform.Settings;
import io.mlplatform.execution.deployments.DeploymentSpec;
import io.mlplatform.execution.deployments.DeploymentStore;
import io.mlplatform.execution.deployments.Reconciler;
import io.mlplatform.execution.jobs.BatchPredictJob;
import io.mlplatform.execution.jobs.EvaluateJob;
import io.mlplatform.execution.jobs.ExecutionStore;
import io.mlplatform.execution.jobs.JobRunner;
import io.mlplatform.execution.jobs.JobType;
import io.mlplatform.execution.jobs.MonitorJob;
import io.mlplatform.execution.jobs.TrainJob;
import io.mlplatform.execution.jobs.TransformJob;
import io.mlplatform.execution.spark.SparkRuntime;
import io.mlplatform.mcp.Addresses;
import io.mlplatform.mcp.Caller;
import io.mlplatform.mcp.Envelope;
import io.mlplatform.mcp.McpClient;
import io.mlplatform.mcp.McpException;
import io.mlplatform.mcp.OperationRouter;
import io.mlplatform.mcp.Payload;
import io.mlplatform.runtime.ModelFormats;
import io.mlplatform.storage.Stores;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The execution server: deployments (desired state and status) and, through its reconciler, the replicas this node
 * serves. Batch executions come with Spark in a later step.
 */
public final class ExecutionServerVerticle extends VerticleBase {
  private static final Envelope.Party HUB = new Envelope.Party(Addresses.HUB, "hub");

  private final String nodeId;
  private final Stores stores;
  private final Settings settings;
  private DeploymentStore deployments;
  private ExecutionStore executions;
  private McpClient client;
  private Reconciler reconciler;
  private JobRunner jobs;
  private SparkRuntime spark;
  private Map<String, JobType> types;
  private Envelope.Party self;

  public ExecutionServerVerticle(String nodeId, Stores stores, Settings settings) {
    this.nodeId = nodeId;
    this.stores = stores;
    this.settings = settings;
  }

  @Override
  public Future<?> start() throws Exception {
    self = new Envelope.Party("execution-server@" + nodeId, "execution-server");
    deployments = new DeploymentStore(stores.mongo(vertx));
    client = new McpClient(vertx, self, settings.requestTimeoutMillis());
    reconciler = new Reconciler(vertx, nodeId, deployments, client, stores.objects());
    vertx.eventBus().consumer(Addresses.DEPLOYMENT_EVENTS, event -> reconciler.reconcileNow());
    executions = new ExecutionStore(stores.mongo(vertx));
    spark = new SparkRuntime(settings.sparkMaster(), settings.sparkConf(), stores.objects().endpoint(), settings.s3AccessKey(),
        settings.s3SecretKey());
    types = Map.of("transform", new TransformJob(stores.objects()), "train", new TrainJob(stores.objects()),
        "batch_predict", new BatchPredictJob(stores.objects()), "evaluate", new EvaluateJob(stores.objects()),
        "monitor", new MonitorJob());
    jobs = new JobRunner(vertx, nodeId, executions, types, settings.executionConcurrency(),
        settings.executionLeaseMillis(), spark, client, stores.objects());
    vertx.eventBus().<Envelope>consumer(JobRunner.EVENTS, event -> {
      if ("queued".equals(event.body().payload().getString("status"))) {
        jobs.tick();
      }
    });
    jobs.start();
    OperationRouter router = new OperationRouter(self)
        .onBehalf("deployment.create", this::create)
        .on("deployment.list", this::list)
        .on("deployment.get", p -> withStatus(new Payload(p).name("name")))
        .on("deployment.update", this::update)
        .on("deployment.delete", this::delete)
        .onBehalf("execution.create", this::createExecution)
        .on("execution.list", p -> executions.page(new Payload(p).optionalString("status"),
            new Payload(p).optionalInt("limit", 50, 1, 1000), new Payload(p).optionalInt("offset", 0, 0, Integer.MAX_VALUE)))
        .on("execution.get", p -> executions.get(new Payload(p).string("id")))
        .on("execution.logs", p -> executions.logs(new Payload(p).string("id")))
        .on("execution.cancel", p -> executions.cancel(new Payload(p).string("id")));
    return executions.ensureIndexes().compose(v -> reconciler.start())
        .compose(v -> router.bind(vertx, Addresses.EXECUTION_SERVER));
  }

  @Override
  public Future<?> stop() {
    return jobs.stop().compose(v -> reconciler.stop()).compose(v -> vertx.executeBlocking(() -> {
      spark.close();
      return null;
    }));
  }

  /** Checks an execution request against the data it names, then queues it: 202 with its id. */
  private Future<JsonObject> createExecution(JsonObject json, Caller caller) {
    Payload p = new Payload(json);
    String type = p.string("type");
    JobType job = types.get(type);
    if (job == null) {
      throw McpException.invalidField("type", "unknown execution type '" + type + "' (types: " + types.keySet() + ")");
    }
    JsonObject request = json.copy();
    request.remove("type");
    return job.check(request, (operation, payload) -> client.send(Addresses.HUB, client.newRequest(HUB, operation, payload)))
        .compose(checked -> executions.enqueue(type, checked, settings.executionMaxAttempts(), caller))
        .map(queued -> {
          client.publish(JobRunner.EVENTS, "execution.status", new JsonObject().put("id", queued.getString("id"))
              .put("status", "queued"));
          return queued;
        });
  }

  private Future<JsonObject> create(JsonObject json, Caller caller) {
    JsonObject desired = DeploymentSpec.created(new Payload(json), caller == null ? null : caller.name());
    String name = desired.getString("name");
    return checkServable(desired).compose(v -> deployments.create(desired)).compose(created -> changed(name));
  }

  private Future<JsonObject> update(JsonObject json) {
    Payload p = new Payload(json);
    String name = p.name("name");
    return deployments.get(name).compose(current -> {
      JsonObject desired = DeploymentSpec.apply(p, current.copy());
      JsonObject set = new JsonObject();
      List<String> unset = new ArrayList<>();
      for (String field : DeploymentSpec.CHANGEABLE) {
        if (desired.getValue(field) != null) {
          set.put(field, desired.getValue(field));
        } else if (current.getValue(field) != null) {
          unset.add(field);
        }
      }
      return checkServable(desired).compose(v -> deployments.update(name, set, unset));
    }).compose(updated -> changed(name));
  }

  private Future<JsonObject> delete(JsonObject json) {
    String name = new Payload(json).name("name");
    return deployments.delete(name).map(v -> {
      client.publish(Addresses.DEPLOYMENT_EVENTS, "deployment.changed", new JsonObject().put("name", name).put("change", "deleted"));
      return new JsonObject().put("deleted", name);
    });
  }

  /** Every version the deployment names must exist and serve online. */
  private Future<Void> checkServable(JsonObject desired) {
    return Future.all(DeploymentSpec.versionRefs(desired).stream().map(ref -> checkServable(desired, ref)).toList())
        .mapEmpty();
  }

  /** The version must exist and be of a format that serves online (an LLM's API key must be set here). */
  private Future<Void> checkServable(JsonObject desired, String ref) {
    JsonObject payload = new JsonObject().put("name", desired.getString("model")).put("version", ref);
    return client.send(Addresses.HUB, client.newRequest(HUB, "model.version.get", payload))
        .map(registered -> {
          ModelFormats.checkServable(registered, System.getenv());
          return null;
        });
  }

  private Future<JsonObject> changed(String name) {
    client.publish(Addresses.DEPLOYMENT_EVENTS, "deployment.changed", new JsonObject().put("name", name).put("change", "updated"));
    return withStatus(name);
  }

  private Future<JsonObject> list(JsonObject json) {
    Payload p = new Payload(json);
    return deployments.page(p.optionalInt("limit", 50, 1, 1000), p.optionalInt("offset", 0, 0, Integer.MAX_VALUE))
        .compose(page -> deployments.replicas(null).map(replicas -> {
          JsonArray items = new JsonArray();
          page.getJsonArray("items").forEach(d -> items.add(describe((JsonObject) d, replicas)));
          return page.put("items", items);
        }));
  }

  private Future<JsonObject> withStatus(String name) {
    return deployments.get(name).compose(deployment -> deployments.replicas(name)
        .map(replicas -> describe(deployment, replicas)));
  }

  /**
   * The deployment with each replica's report and an overall status: ready when every version it serves has a
   * ready replica, degraded when only some have (requests for the others go to the first entry's).
   */
  private static JsonObject describe(JsonObject deployment, List<JsonObject> replicas) {
    String name = deployment.getString("name");
    JsonArray mine = new JsonArray();
    replicas.stream().filter(r -> name.equals(r.getString("deployment"))).forEach(mine::add);
    Set<String> lanes = DeploymentSpec.laneIds(deployment);
    Set<String> ready = new HashSet<>();
    mine.stream().map(r -> (JsonObject) r).filter(r -> "ready".equals(r.getString("status")))
        .forEach(r -> ready.add(r.getString("lane", DeploymentSpec.FIRST_LANE)));
    boolean allFailed = !mine.isEmpty() && mine.stream().allMatch(r -> "failed".equals(((JsonObject) r).getString("status")));
    String status = ready.containsAll(lanes) ? "ready" : ready.contains(DeploymentSpec.FIRST_LANE) ? "degraded"
        : allFailed ? "failed" : "pending";
    return deployment.copy().put("status", status).put("replica_status", mine);
  }
}
