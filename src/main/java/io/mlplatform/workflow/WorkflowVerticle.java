package io.mlplatform.workflow;

import io.mlplatform.mcp.Caller;
import io.mlplatform.mcp.Envelope;
import io.mlplatform.mcp.McpClient;
import io.mlplatform.mcp.OperationRouter;
import io.mlplatform.mcp.Payload;
import io.mlplatform.node.Settings;
import io.mlplatform.storage.Stores;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * The hub's workflows: definitions (checked, versioned) and runs (queued in MongoDB, run by the engine of every hub
 * node). Serves the {@code workflow.*} operations the hub routes here.
 */
public final class WorkflowVerticle extends VerticleBase {
  public static final String ADDRESS = "mcp.server.workflow";
  /** Runs one hub node walks at once; a run mostly waits on other servers. */
  private static final int CONCURRENT_RUNS = 32;

  private final String nodeId;
  private final Stores stores;
  private final Settings settings;
  private WorkflowStore workflows;
  private RunStore runs;
  private RunEngine engine;
  private McpClient client;

  public WorkflowVerticle(String nodeId, Stores stores, Settings settings) {
    this.nodeId = nodeId;
    this.stores = stores;
    this.settings = settings;
  }

  @Override
  public Future<?> start() {
    Envelope.Party self = new Envelope.Party("workflow-server@" + nodeId, "workflow-server");
    client = new McpClient(vertx, self, settings.requestTimeoutMillis());
    workflows = new WorkflowStore(stores.mongo(vertx));
    runs = new RunStore(stores.mongo(vertx));
    engine = new RunEngine(vertx, nodeId, runs, new PlatformCalls(vertx, client), client, CONCURRENT_RUNS,
        settings.executionLeaseMillis());
    OperationRouter router = new OperationRouter(self)
        .on("workflow.create", p -> workflows.save(DefinitionCheck.check(p)))
        .on("workflow.list", p -> workflows.list(new Payload(p).optionalString("search"),
            new Payload(p).limit(50), new Payload(p).offset()))
        .on("workflow.get", p -> workflows.get(new Payload(p).name("name"), version(p)))
        .on("workflow.delete", p -> workflows.delete(new Payload(p).name("name")).map(v -> new JsonObject()))
        .on("workflow.examples.list", p -> Future.succeededFuture(new JsonObject().put("items", Examples.all())))
        .on("workflow.examples.install", this::installExamples)
        .onBehalf("workflow.run", this::startRun)
        .on("workflow.run.list", p -> runs.page(p.getString("workflow", p.getString("name")), new Payload(p).optionalString("status"),
            new Payload(p).limit(50), new Payload(p).offset()))
        .on("workflow.run.get", p -> runs.get(new Payload(p).string("id")))
        .on("workflow.run.cancel", p -> runs.cancel(new Payload(p).string("id")));
    return workflows.ensureIndexes().compose(v -> runs.ensureIndexes())
        .compose(v -> router.bind(vertx, ADDRESS))
        .onSuccess(bound -> engine.start());
  }

  @Override
  public Future<?> stop() {
    return engine.stop();
  }

  private static String version(JsonObject payload) {
    Object version = payload.getValue("version");
    return version == null ? "latest" : version.toString();
  }

  /** Checks the input against the workflow's schema, then queues the run: 202 with its id. */
  private Future<JsonObject> startRun(JsonObject json, Caller caller) {
    Payload p = new Payload(json);
    String name = p.name("name");
    JsonObject input = p.optionalObject("input") == null ? new JsonObject() : p.optionalObject("input");
    return workflows.get(name, version(json)).compose(workflow -> {
      JsonObject definition = workflow.getJsonObject("definition");
      Payload.checkUserJson("input", input);
      DefinitionCheck.checkInput(definition.getJsonObject("input_schema"), input);
      JsonArray order = new JsonArray();
      order(definition.getJsonArray("steps"), null, order);
      return runs.create(workflow, input, order, settings.executionMaxAttempts(), caller);
    }).map(run -> {
      client.publish(RunWalker.EVENTS, "workflow.run", new JsonObject().put("run", run.getString("id"))
          .put("workflow", name).put("status", "queued"));
      engine.tick();
      return run;
    });
  }

  /** Every step in definition order (branches after their parallel step), for the run's display. */
  private static void order(JsonArray steps, String parent, JsonArray order) {
    for (Object s : steps) {
      JsonObject step = (JsonObject) s;
      JsonObject entry = new JsonObject().put("id", step.getString("id")).put("kind", step.getString("kind"));
      if (parent != null) {
        entry.put("parent", parent);
      }
      order.add(entry);
      JsonObject branches = "parallel".equals(step.getString("kind")) ? step.getJsonObject("branches") : null;
      if (branches != null) {
        branches.forEach(branch -> order((JsonArray) branch.getValue(), step.getString("id"), order));
      }
    }
  }

  private Future<JsonObject> installExamples(JsonObject json) {
    List<Future<JsonObject>> saved = Examples.all().stream()
        .map(example -> workflows.save(DefinitionCheck.check(((JsonObject) example).copy())))
        .toList();
    return Future.all(saved).map(all -> {
      JsonArray installed = new JsonArray();
      saved.forEach(s -> installed.add(new JsonObject().put("name", s.result().getString("workflow"))
          .put("version", s.result().getInteger("version"))));
      return new JsonObject().put("installed", installed);
    });
  }
}
