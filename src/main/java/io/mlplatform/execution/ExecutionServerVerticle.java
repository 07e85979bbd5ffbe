package io.mlplatform.execution;

import io.mlplatform.execution.deployments.DeploymentService;
import io.mlplatform.execution.deployments.DeploymentStore;
import io.mlplatform.execution.deployments.Deployments;
import io.mlplatform.execution.deployments.Reconciler;
import io.mlplatform.execution.jobs.BatchPredictJob;
import io.mlplatform.execution.jobs.EvaluateJob;
import io.mlplatform.execution.jobs.ExecutionService;
import io.mlplatform.execution.jobs.ExecutionStore;
import io.mlplatform.execution.jobs.Executions;
import io.mlplatform.execution.jobs.JobRunner;
import io.mlplatform.execution.jobs.JobType;
import io.mlplatform.execution.jobs.MonitorJob;
import io.mlplatform.execution.jobs.TrainJob;
import io.mlplatform.execution.jobs.TransformJob;
import io.mlplatform.execution.spark.SparkRuntime;
import io.mlplatform.mcp.Addresses;
import io.mlplatform.mcp.Envelope;
import io.mlplatform.mcp.McpClient;
import io.mlplatform.mcp.OperationRouter;
import io.mlplatform.mcp.Payload;
import io.mlplatform.node.Settings;
import io.mlplatform.storage.Stores;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;

import java.util.Map;

/**
 * The execution server: deployments ({@link DeploymentService}) and executions ({@link ExecutionService}), bound to
 * the {@code deployment.*} and {@code execution.*} operations, with what runs them on this node: the reconciler that
 * starts and stops this node's replicas, and the job runner that claims queued executions and runs them on Spark.
 */
public final class ExecutionServerVerticle extends VerticleBase {
  private final String nodeId;
  private final Stores stores;
  private final Settings settings;
  private Reconciler reconciler;
  private JobRunner jobs;
  private SparkRuntime spark;

  public ExecutionServerVerticle(String nodeId, Stores stores, Settings settings) {
    this.nodeId = nodeId;
    this.stores = stores;
    this.settings = settings;
  }

  @Override
  public Future<?> start() throws Exception {
    Envelope.Party self = new Envelope.Party("execution-server@" + nodeId, "execution-server");
    DeploymentStore deploymentStore = new DeploymentStore(stores.mongo(vertx));
    McpClient client = new McpClient(vertx, self, settings.requestTimeoutMillis());
    reconciler = new Reconciler(vertx, nodeId, deploymentStore, client, stores.objects());
    vertx.eventBus().consumer(Addresses.DEPLOYMENT_EVENTS, event -> reconciler.reconcileNow());
    ExecutionStore executionStore = new ExecutionStore(stores.mongo(vertx));
    spark = new SparkRuntime(settings.sparkMaster(), settings.sparkConf(), stores.objects().endpoint(),
        settings.s3AccessKey(), settings.s3SecretKey());
    Map<String, JobType> types = Map.of("transform", new TransformJob(stores.objects()),
        "train", new TrainJob(stores.objects()), "batch_predict", new BatchPredictJob(stores.objects()),
        "evaluate", new EvaluateJob(stores.objects()), "monitor", new MonitorJob());
    jobs = new JobRunner(vertx, nodeId, executionStore, types, settings.executionConcurrency(),
        settings.executionLeaseMillis(), spark, client, stores.objects());
    vertx.eventBus().<Envelope>consumer(JobRunner.EVENTS, event -> {
      if ("queued".equals(event.body().payload().getString("status"))) {
        jobs.tick();
      }
    });
    jobs.start();
    DeploymentService deployments = new Deployments(deploymentStore, client);
    ExecutionService executions = new Executions(executionStore, types, client, settings.executionMaxAttempts());
    OperationRouter router = new OperationRouter(self)
        .onBehalf("deployment.create",
            (json, caller) -> deployments.create(json, caller == null ? null : caller.name()))
        .on("deployment.list", json -> {
          Payload p = new Payload(json);
          return deployments.list(p.limit(50), p.offset());
        })
        .on("deployment.get", json -> deployments.get(new Payload(json).name("name")))
        .on("deployment.update", json -> deployments.update(new Payload(json).name("name"), json))
        .on("deployment.delete", json -> deployments.delete(new Payload(json).name("name")))
        .onBehalf("execution.create", (json, caller) -> {
          JsonObject request = json.copy();
          request.remove("type");
          return executions.create(new Payload(json).string("type"), request, caller);
        })
        .on("execution.list", json -> {
          Payload p = new Payload(json);
          return executions.list(p.optionalString("status"), p.limit(50), p.offset());
        })
        .on("execution.get", json -> executions.get(new Payload(json).string("id")))
        .on("execution.logs", json -> executions.logs(new Payload(json).string("id")))
        .on("execution.cancel", json -> executions.cancel(new Payload(json).string("id")));
    return executionStore.ensureIndexes().compose(v -> reconciler.start())
        .compose(v -> router.bind(vertx, Addresses.EXECUTION_SERVER));
  }

  @Override
  public Future<?> stop() {
    return jobs.stop().compose(v -> reconciler.stop()).compose(v -> vertx.executeBlocking(() -> {
      spark.close();
      return null;
    }));
  }
}
