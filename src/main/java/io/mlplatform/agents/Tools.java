package io.mlplatform.agents;

import io.mlplatform.policy.Permission;
import io.mlplatform.policy.Policy;
import io.mlplatform.runtime.registry.ModelFormats;
import io.mlplatform.workflow.PlatformCalls;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

import static io.mlplatform.agents.Schemas.*;

/**
 * What an agent can do, one tool per task a person does in the console: each names the platform operation whose
 * permission it needs (a caller's role that lacks it does not see the tool), its input and output schemas, and what it
 * does, mostly one operation through the hub. A long operation (an execution, a workflow run) answers with its id at
 * once; {@code get_execution} and {@code get_workflow_run} poll it, and wait up to {@link #MAX_WAIT_SECONDS} for it to
 * end when asked to.
 */
final class Tools {
  static final int MAX_WAIT_SECONDS = 50;
  private static final long POLL_MILLIS = 500;

  /** A tool: how agents see it, the permission it needs, what it does with its arguments. */
  record Tool(String name, String title, String description, Permission permission, JsonObject input,
              JsonObject output, Hints hints, BiFunction<PlatformCalls, JsonObject, Future<JsonObject>> run) {
  }

  /** What a client may tell its user before calling: only reads, may remove something, same effect when repeated. */
  record Hints(boolean readOnly, boolean destructive, boolean idempotent) {
    static final Hints READ = new Hints(true, false, true);
    static final Hints CHANGE = new Hints(false, false, false);
    static final Hints SET = new Hints(false, false, true);
    static final Hints REMOVE = new Hints(false, true, true);
  }

  private final Vertx vertx;
  private final DatasetUploads uploads;

  Tools(Vertx vertx, DatasetUploads uploads) {
    this.vertx = vertx;
    this.uploads = uploads;
  }

  List<Tool> all() {
    List<Tool> tools = new ArrayList<>();
    registry(tools);
    data(tools);
    deployments(tools);
    executions(tools);
    workflows(tools);
    tools.add(new Tool("whoami", "Who am I", "The caller this API key makes you: its name, roles and permissions"
        + " (read, predict, write, admin).", Permission.READ, input(props()),
        object(props().put("name", string("the key's name")).put("roles", strings("its roles"))
            .put("permissions", strings("what the roles allow"))),
        Hints.READ, (calls, args) -> Future.succeededFuture(calls.caller().toJson()
            .put("permissions", Policy.permissionsJson(calls.caller().roles())))));
    return tools;
  }

  private void registry(List<Tool> tools) {
    tools.add(operation("search_models", "Search models", "Lists registered models, newest first, optionally those"
        + " whose name or description contains a text. Each model has its latest version number and its aliases.",
        "model.list", input(paging(props().put("search", string("text the name or description contains")))),
        page("models"), Hints.READ));
    tools.add(operation("get_model", "Get a model", "A model: description, tags, latest_version, aliases"
        + " (alias -> version number).", "model.get", input(props().put("name", name("the model")), "name"),
        object(props().put("name", string("its name"))), Hints.READ));
    tools.add(operation("list_model_versions", "List a model's versions", "A model's versions, newest first: format,"
        + " signature (inputs and outputs), metrics, params, source dataset.", "model.version.list",
        input(props().put("name", name("the model")), "name"), page("versions"), Hints.READ));
    tools.add(new Tool("get_model_version", "Get a model version", "One version of a model, by number or alias: its"
        + " format, metrics, params, the aliases on it, and `serving`: the format and signature (input and output names,"
        + " types, shapes) a deployment of it serves, i.e. what predict takes.", Policy.required("model.version.get"),
        input(props().put("name", name("the model")).put("version", version("the version")), "name", "version"),
        object(props().put("version", new JsonObject().put("type", "integer"))
            .put("serving", object(props().put("format", string("the format served"))
                .put("signature", anyObject("{inputs, outputs}")))), "version", "serving"), Hints.READ,
        (calls, args) -> calls.operation("model.version.get", args).map(version -> {
          JsonObject served = ModelFormats.served(version);
          return version.put("serving", new JsonObject().put("format", served.getString("format"))
              .put("signature", served.getJsonObject("signature")));
        })));
    tools.add(operation("set_model_alias", "Point an alias at a version", "Points an alias (e.g. production) at a"
        + " version of a model; deployments that follow the alias switch to it.", "model.alias.set",
        input(props().put("name", name("the model"))
            .put("alias", string("the alias").put("pattern", "^[A-Za-z][A-Za-z0-9_-]{0,63}$"))
            .put("version", integer("the version number", 1, Integer.MAX_VALUE)), "name", "alias", "version"),
        object(props().put("aliases", anyObject("alias -> version"))), Hints.SET));
  }

  private void data(List<Tool> tools) {
    tools.add(operation("list_datasets", "List datasets", "Lists datasets, newest first, optionally those whose name"
        + " or description contains a text.", "dataset.list",
        input(paging(props().put("search", string("text the name or description contains")))), page("datasets"),
        Hints.READ));
    tools.add(new Tool("get_dataset", "Get a dataset with its schema and a preview", "A dataset, one of its versions"
        + " (the latest unless given) with its schema (column names and types), row count and size, and its first"
        + " rows.", Permission.READ, input(props().put("name", name("the dataset"))
            .put("version", version("the version (default: latest)"))
            .put("preview_rows", integer("how many rows to show (default 5; 0 for none)", 0, 100)), "name"),
        object(props().put("dataset", anyObject("the dataset")).put("version", anyObject("the version: schema,"
            + " row_count, size, sha256")).put("rows", array("its first rows", null)), "dataset", "version"),
        Hints.READ, this::getDataset));
    tools.add(new Tool("upload_dataset", "Upload a dataset", "Records data as a dataset (a new version when the name"
        + " exists): either inline CSV with a header line (up to the request size limit, 1 MiB by default) or the URL"
        + " of an object on the platform's S3 store (s3://bucket/key, CSV, JSON Lines or Parquet). Its schema and row"
        + " count are read on the way.", Policy.required("dataset.create"), input(props()
            .put("name", name("the dataset"))
            .put("csv", string("the data as CSV text, header line first").put("maxLength", DatasetUploads.MAX_INLINE_CHARS))
            .put("url", string("s3://bucket/key of an object on the platform's S3 store").put("pattern", "^s3://"))
            .put("format", enumeration("the data's format (default: from the URL's file name; csv for inline data)",
                "csv", "jsonl", "parquet"))
            .put("description", string("what the data is").put("maxLength", 10000)), "name"),
        object(props().put("name", string("the dataset")).put("version", anyObject("the version recorded")), "name"),
        Hints.CHANGE, uploads::upload));
  }

  private void deployments(List<Tool> tools) {
    tools.add(operation("list_deployments", "List deployments", "Lists the prediction endpoints with each one's"
        + " model, version, replicas and status.", "deployment.list", input(paging(props())), page("deployments"),
        Hints.READ));
    tools.add(operation("get_deployment", "Get a deployment", "A deployment: model and version, status (ready once"
        + " a replica has loaded it) and each replica's node and status.", "deployment.get",
        input(props().put("name", name("the deployment")), "name"),
        object(props().put("name", string("its name")).put("status", string("its status")), "name"), Hints.READ));
    tools.add(operation("create_deployment", "Deploy a model", "Deploys a model version as a prediction endpoint;"
        + " its replicas load in the background: poll get_deployment until status is ready, then predict.",
        "deployment.create", input(props().put("name", name("the endpoint"))
            .put("model", name("the model"))
            .put("version", new JsonObject().put("type", JsonArray.of("integer", "string")).put("description",
                "a version number, an alias (followed when it moves) or \"latest\" (the default)"))
            .put("replicas", integer("how many replicas (default 1)", 1, 16)), "name", "model"),
        object(props().put("name", string("its name")).put("status", string("its status")), "name"), Hints.CHANGE));
    JsonObject versionRef = new JsonObject().put("type", JsonArray.of("integer", "string"))
        .put("description", "a version number, an alias or \"latest\"");
    tools.add(operation("scale_deployment", "Scale, switch, canary or shadow a deployment", "Changes how many"
        + " replicas a deployment runs, which model version it serves, a traffic split over versions (a canary: e.g."
        + " [{version: 3, percent: 90}, {version: 4, percent: 10}]), a shadow version that gets a copy of the"
        + " requests (null removes it) or the share of predictions logged to the dataset <name>-predictions.",
        "deployment.update", input(props()
            .put("name", name("the deployment"))
            .put("replicas", integer("how many replicas", 1, 16))
            .put("version", versionRef)
            .put("traffic", array("entries {version, percent}; the percents add up to 100",
                new JsonObject().put("type", "object").put("properties", new JsonObject().put("version", versionRef)
                    .put("percent", integer("the whole percent of requests", 0, 100)))))
            .put("shadow", new JsonObject().put("type", JsonArray.of("object", "null")).put("description",
                "{version, percent (100)}: mirrored requests, answers compared, never returned"))
            .put("logging", new JsonObject().put("type", JsonArray.of("object", "null")).put("description",
                "{sample: 0 to 1, roll_seconds (60), roll_rows (10000)}")), "name"),
        object(props().put("name", string("its name")), "name"), Hints.SET));
    tools.add(new Tool("delete_deployment", "Delete a deployment", "Removes a prediction endpoint; its replicas"
        + " unload.", Policy.required("deployment.delete"), input(props().put("name", name("the deployment")), "name"),
        object(props().put("deleted", string("the deployment removed")), "deleted"), Hints.REMOVE,
        (calls, args) -> calls.operation("deployment.delete", args)
            .map(done -> new JsonObject().put("deleted", args.getString("name")))));
    tools.add(new Tool("predict", "Predict", "Scores rows on a ready deployment. Each row is an object keyed by the"
        + " model's input names (see get_model_version's signature), or an array of values in signature order. Answers"
        + " one object of outputs per row.", Policy.required("deployment.predict"), input(props()
            .put("deployment", name("the deployment"))
            .put("inputs", array("the rows to score", null).put("minItems", 1).put("maxItems", 10000)),
            "deployment", "inputs"),
        object(props().put("outputs", array("one object of outputs per row", null)).put("model", string("the model"))
            .put("version", new JsonObject().put("type", "integer")), "outputs"), Hints.READ,
        (calls, args) -> calls.predict(args.getString("deployment"),
            new JsonObject().put("inputs", args.getJsonArray("inputs")))));
  }

  private void executions(List<Tool> tools) {
    JsonObject datasetInput = props().put("dataset", name("the input dataset"))
        .put("version", integer("its version (default: latest)", 1, Integer.MAX_VALUE));
    JsonObject started = object(props().put("id", id("the execution's id: poll it with get_execution"))
        .put("status", string("queued at first")), "id", "status");
    String poll = " Runs on Spark in the background: answers the execution's id at once; follow it with get_execution"
        + " (wait_seconds waits for the end).";
    tools.add(start("start_training", "Train a model", "Trains a Spark ML model on a dataset and registers it as a"
        + " new version of `model` (string features are one-hot encoded; missing values handled per `missing`)."
        + poll, "train", input(datasetInput.copy()
            .put("algorithm", enumeration("the learner", "logistic_regression", "random_forest_classifier",
                "gbt_classifier", "linear_regression", "random_forest_regressor", "gbt_regressor", "kmeans"))
            .put("label", string("the label column (none for kmeans)"))
            .put("features", strings("the feature columns (default: every column but the label)"))
            .put("exclude", strings("columns to leave out of the default features"))
            .put("params", anyObject("the learner's parameters, e.g. {\"maxIter\": 50}"))
            .put("scaling", enumeration("feature scaling", "none", "standard", "minmax"))
            .put("missing", enumeration("rows with missing values", "drop", "mean", "median", "constant"))
            .put("fill_value", new JsonObject().put("description", "the value for missing=constant"))
            .put("validation_split", new JsonObject().put("type", "number").put("exclusiveMinimum", 0)
                .put("exclusiveMaximum", 1).put("description", "the share held out to compute metrics"))
            .put("model", name("the model to register the result under")), "dataset", "algorithm", "model"),
        started));
    tools.add(start("start_transform", "Transform a dataset", "Applies steps to a dataset and records the result as"
        + " a new dataset. Steps, in order: {select: [cols]}, {rename: {old: new}}, {filter: \"expr\"}, {sample: 0.1},"
        + " {standardize: [cols]}, {normalize: [cols]}, {sql: \"SELECT .. FROM data\"}." + poll, "transform",
        input(datasetInput.copy()
            .put("steps", array("the steps", new JsonObject().put("type", "object")))
            .put("split", anyObject("optional {train: 0.8, seed?}: also records train and test splits"))
            .put("output", name("the dataset to record"))
            .put("output_format", enumeration("the output's format", "csv", "parquet")), "dataset", "steps", "output"),
        started));
    tools.add(start("start_evaluation", "Evaluate a model", "Scores a model version on a labelled dataset and"
        + " records its metrics on the version (accuracy, f1, AUC for classifiers; rmse, r2 for regressors)." + poll,
        "evaluate", input(datasetInput.copy()
            .put("model", name("the model"))
            .put("model_version", integer("its version (default: latest)", 1, Integer.MAX_VALUE))
            .put("label", string("the label column"))
            .put("features", strings("the feature columns, in the model's input order (onnx)"))
            .put("prediction", string("the output holding the prediction"))
            .put("task", enumeration("the kind of model", "classification", "regression")), "model", "dataset"),
        started));
    tools.add(start("start_monitor", "Report a deployment's drift", "Compares the inputs a deployment logged"
        + " (its logging must be on) in the last window_minutes with a baseline dataset (default: the one its model"
        + " version was trained on), feature by feature (PSI, Kolmogorov-Smirnov, chi-square), and stores the report"
        + " with the model version; the result lists the drifted features." + poll, "monitor", input(props()
            .put("deployment", name("the deployment"))
            .put("window_minutes", integer("how far back to look (default 60)", 1, 43_200))
            .put("baseline", anyObject("optional {dataset, version?}: what the inputs are compared with"))
            .put("features", strings("the inputs to compare (default: every input the baseline has)")), "deployment"),
        started));
    tools.add(start("start_batch_prediction", "Score a dataset", "Scores every row of a dataset with a model"
        + " version and records the rows with their predictions as a new dataset." + poll, "batch_predict",
        input(datasetInput.copy()
            .put("model", name("the model"))
            .put("model_version", integer("its version (default: latest)", 1, Integer.MAX_VALUE))
            .put("features", strings("the feature columns, in the model's input order (onnx)"))
            .put("output", name("the dataset to record"))
            .put("output_format", enumeration("the output's format", "csv", "parquet")), "model", "dataset", "output"),
        started));
    tools.add(new Tool("get_execution", "Follow an execution", "An execution's status (queued, running, succeeded,"
        + " failed, cancelled), progress, and its result (the model version or dataset it recorded, metrics) or error."
        + " With wait_seconds, waits until it ends or the time is up.", Permission.READ, input(props()
            .put("id", id("the execution's id"))
            .put("wait_seconds", integer("how long to wait for it to end (default 0)", 0, MAX_WAIT_SECONDS)), "id"),
        object(props().put("id", string("its id")).put("status", string("its status")), "id", "status"), Hints.READ,
        (calls, args) -> waitFor(calls, "execution.get", args)));
    tools.add(operation("get_execution_logs", "Read an execution's logs", "The log lines of an execution (Spark's"
        + " progress and the platform's messages).", "execution.logs", input(props().put("id", id("the execution's id")),
        "id"), object(props().put("lines", array("{at, line}", null)), "lines"), Hints.READ));
    tools.add(operation("list_executions", "List executions", "Executions, newest first, optionally with one status.",
        "execution.list", input(paging(props().put("status", enumeration("only those with this status", "queued",
            "running", "succeeded", "failed", "cancelled")))), page("executions"), Hints.READ));
    tools.add(operation("cancel_execution", "Cancel an execution", "Stops a queued or running execution.",
        "execution.cancel", input(props().put("id", id("the execution's id")), "id"),
        object(props().put("status", string("its status")), "status"), Hints.REMOVE));
  }

  private void workflows(List<Tool> tools) {
    tools.add(operation("list_workflows", "List workflows", "Workflow definitions by name, with their input schema"
        + " and description.", "workflow.list", input(paging(props().put("search", string("text the name contains")))),
        page("workflows"), Hints.READ));
    tools.add(new Tool("start_workflow_run", "Run a workflow", "Starts a run of a workflow with an input that fits"
        + " its input_schema; answers the run's id at once: follow it with get_workflow_run.",
        Policy.required("workflow.run"), input(props()
            .put("workflow", name("the workflow"))
            .put("input", anyObject("the run's input"))
            .put("version", integer("the definition version (default: latest)", 1, Integer.MAX_VALUE)), "workflow"),
        object(props().put("id", id("the run's id")).put("status", string("queued at first")), "id", "status"),
        Hints.CHANGE, (calls, args) -> {
          JsonObject payload = args.copy();
          payload.put("name", payload.remove("workflow"));
          return calls.operation("workflow.run", payload);
        }));
    tools.add(new Tool("get_workflow_run", "Follow a workflow run", "A run's status, each step's status and output,"
        + " and the run's output or error. With wait_seconds, waits until it ends or the time is up.", Permission.READ,
        input(props().put("id", id("the run's id"))
            .put("wait_seconds", integer("how long to wait for it to end (default 0)", 0, MAX_WAIT_SECONDS)), "id"),
        object(props().put("id", string("its id")).put("status", string("its status")), "id", "status"), Hints.READ,
        (calls, args) -> waitFor(calls, "workflow.run.get", args)));
    tools.add(operation("cancel_workflow_run", "Cancel a workflow run", "Stops a queued or running workflow run.",
        "workflow.run.cancel", input(props().put("id", id("the run's id")), "id"),
        object(props().put("status", string("its status")), "status"), Hints.REMOVE));
  }

  /** A tool that is one operation, its arguments the payload. */
  private static Tool operation(String name, String title, String description, String operation, JsonObject input,
                                JsonObject output, Hints hints) {
    return new Tool(name, title, description, Policy.required(operation), input, output, hints,
        (calls, args) -> calls.operation(operation, args));
  }

  /** A tool that queues an execution of one type. */
  private static Tool start(String name, String title, String description, String type, JsonObject input,
                            JsonObject output) {
    return new Tool(name, title, description, Policy.required("execution.create"), input, output, Hints.CHANGE,
        (calls, args) -> calls.operation("execution.create", args.copy().put("type", type)));
  }

  private Future<JsonObject> getDataset(PlatformCalls calls, JsonObject args) {
    String name = args.getString("name");
    int rows = args.getInteger("preview_rows", 5);
    return calls.operation("dataset.get", new JsonObject().put("name", name)).compose(dataset -> {
      String version = args.getString("version", String.valueOf(dataset.getValue("latest_version")));
      JsonObject which = new JsonObject().put("name", name).put("version", version);
      Future<JsonObject> got = calls.operation("dataset.version.get", which);
      Future<JsonObject> preview = rows == 0 ? Future.succeededFuture(new JsonObject())
          : calls.operation("dataset.version.preview", which.copy().put("limit", rows));
      return Future.all(got, preview).map(both -> new JsonObject()
          .put("dataset", withoutVersions(dataset))
          .put("version", got.result())
          .put("rows", preview.result().getJsonArray("rows", new JsonArray())));
    });
  }

  private static JsonObject withoutVersions(JsonObject dataset) {
    JsonObject copy = dataset.copy();
    copy.remove("versions");
    return copy;
  }

  /** Gets an execution or a run, again every {@link #POLL_MILLIS} until it ended or {@code wait_seconds} passed. */
  private Future<JsonObject> waitFor(PlatformCalls calls, String operation, JsonObject args) {
    long until = System.currentTimeMillis() + 1000L * args.getInteger("wait_seconds", 0);
    JsonObject payload = new JsonObject().put("id", args.getString("id"));
    Promise<JsonObject> done = Promise.promise();
    poll(calls, operation, payload, until, done);
    return done.future();
  }

  private void poll(PlatformCalls calls, String operation, JsonObject payload, long until, Promise<JsonObject> done) {
    calls.operation(operation, payload).onFailure(done::fail).onSuccess(found -> {
      if (PlatformCalls.ENDED.contains(found.getString("status")) || System.currentTimeMillis() + POLL_MILLIS > until) {
        done.complete(found);
      } else {
        vertx.setTimer(POLL_MILLIS, t -> poll(calls, operation, payload, until, done));
      }
    });
  }
}
