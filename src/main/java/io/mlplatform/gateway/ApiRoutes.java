package io.mlplatform.gateway;

import io.mlplatform.mcp.ErrorCode;
import io.mlplatform.mcp.McpException;
import io.mlplatform.mcp.Payload;
import io.mlplatform.storage.ObjectStore;
import io.mlplatform.storage.StoredObject;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.openapi.validation.RequestParameter;
import io.vertx.openapi.validation.ValidatedRequest;

import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The API's routes, by the contract's operation ids: each becomes one MCP request to the hub. Uploads and downloads
 * stream their bytes to and from the object store here; only references travel in envelopes.
 */
final class ApiRoutes {
  private final Calls calls;
  private final Uploads uploads;
  private final Downloads downloads;
  private final ObjectStore store;

  ApiRoutes(Calls calls, ObjectStore store, long maxUploadBytes) {
    this.calls = calls;
    this.store = store;
    this.uploads = new Uploads(store, maxUploadBytes);
    this.downloads = new Downloads(store);
  }

  /** Streamed uploads: their bodies are checked here and by the servers, not buffered for the contract's validator. */
  static final Set<String> CHECKED_IN_CODE = Set.of("createModelVersion", "createDataset", "createDatasetVersion");

  void bind(RouterBuilder api) {
    forward(api, "listModels", "model.list", 200);
    forward(api, "createModel", "model.create", 201);
    forward(api, "getModel", "model.get", 200);
    forward(api, "updateModel", "model.update", 200);
    forward(api, "deleteModel", "model.delete", 204);
    forward(api, "listModelVersions", "model.version.list", 200);
    forward(api, "getModelVersion", "model.version.get", 200);
    forward(api, "setModelAlias", "model.alias.set", 200);
    forward(api, "deleteModelAlias", "model.alias.delete", 204);
    forward(api, "listDatasets", "dataset.list", 200);
    forward(api, "getDataset", "dataset.get", 200);
    forward(api, "deleteDataset", "dataset.delete", 204);
    forward(api, "listDatasetVersions", "dataset.version.list", 200);
    forward(api, "getDatasetVersion", "dataset.version.get", 200);
    forward(api, "previewDatasetVersion", "dataset.version.preview", 200);
    forward(api, "listDeployments", "deployment.list", 200);
    forward(api, "createDeployment", "deployment.create", 201);
    forward(api, "getDeployment", "deployment.get", 200);
    forward(api, "updateDeployment", "deployment.update", 200);
    forward(api, "deleteDeployment", "deployment.delete", 204);
    forward(api, "listExecutions", "execution.list", 200);
    forward(api, "createExecution", "execution.create", 202);
    forward(api, "getExecution", "execution.get", 200);
    forward(api, "getExecutionLogs", "execution.logs", 200);
    forward(api, "cancelExecution", "execution.cancel", 200);
    forward(api, "listWorkflows", "workflow.list", 200);
    forward(api, "createWorkflow", "workflow.create", 201);
    forward(api, "getWorkflow", "workflow.get", 200);
    forward(api, "deleteWorkflow", "workflow.delete", 204);
    forward(api, "listWorkflowExamples", "workflow.examples.list", 200);
    forward(api, "installWorkflowExamples", "workflow.examples.install", 201);
    forward(api, "startWorkflowRun", "workflow.run", 202);
    forward(api, "listWorkflowRuns", "workflow.run.list", 200);
    forward(api, "listAllWorkflowRuns", "workflow.run.list", 200);
    forward(api, "getWorkflowRun", "workflow.run.get", 200);
    forward(api, "cancelWorkflowRun", "workflow.run.cancel", 200);
    forward(api, "listKeys", "key.list", 200);
    forward(api, "createKey", "key.create", 201);
    forward(api, "deleteKey", "key.delete", 204);
    api.getRoute("createModelVersion").addHandler(this::createModelVersion);
    api.getRoute("createDataset").addHandler(this::createDataset);
    api.getRoute("createDatasetVersion").addHandler(this::createDatasetVersion);
    api.getRoute("getModelVersionArtifact").addHandler(ctx -> download(ctx, "model.version.get"));
    api.getRoute("downloadDatasetVersion").addHandler(ctx -> download(ctx, "dataset.version.get"));
    api.getRoute("getExecutionResult").addHandler(this::downloadResult);
  }

  /** A route whose validated parameters and JSON body make the payload of one operation. */
  private void forward(RouterBuilder api, String operationId, String operation, int status) {
    api.getRoute(operationId).addHandler(ctx -> calls.hub(ctx, operation, payloadOf(ctx))
        .onSuccess(result -> Calls.respond(ctx, status, result))
        .onFailure(ctx::fail));
  }

  /** The validated body's fields, then the query's, then the path's (which win). */
  private static JsonObject payloadOf(RoutingContext ctx) {
    ValidatedRequest request = ctx.get(RouterBuilder.KEY_META_DATA_VALIDATED_REQUEST);
    JsonObject payload = new JsonObject();
    RequestParameter body = request.getBody();
    if (body != null && !body.isNull() && body.isJsonObject()) {
      payload.mergeIn(body.getJsonObject());
    }
    addParameters(payload, request.getQuery());
    addParameters(payload, request.getPathParameters());
    return payload;
  }

  private static void addParameters(JsonObject payload, Map<String, RequestParameter> parameters) {
    parameters.forEach((name, value) -> {
      if (value != null && !value.isNull()) {
        payload.put(name, value.get());
      }
    });
  }

  private void createModelVersion(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    Payload.checkName("name", name);
    Calls.authorize(ctx, "model.version.create");
    if (!Uploads.isMultipart(ctx.request())) {
      JsonObject body = jsonBody(ctx);
      calls.hub(ctx, "model.version.create", body.put("name", name))
          .onSuccess(result -> Calls.respond(ctx, 201, result)).onFailure(ctx::fail);
      return;
    }
    uploads.receive(ctx, ObjectStore.MODELS, false)
        .compose(received -> callWithUpload(ctx, "model.version.create", received.object(), () -> {
          MultiMap form = received.form();
          return new JsonObject().put("name", name)
              .put("format", form.get("format"))
              .put("description", form.get("description"))
              .put("params", jsonField(form, "params"))
              .put("metrics", jsonField(form, "metrics"))
              .put("source", jsonField(form, "source"))
              .put("artifact", received.object().toJson());
        }))
        .onSuccess(result -> Calls.respond(ctx, 201, result)).onFailure(ctx::fail);
  }

  private void createDataset(RoutingContext ctx) {
    Calls.authorize(ctx, "dataset.create");
    uploads.receive(ctx, ObjectStore.DATASETS, true)
        .compose(received -> callWithUpload(ctx, "dataset.create", received.object(), () -> new JsonObject()
            .put("name", received.form().get("name"))
            .put("description", received.form().get("description"))
            .put("artifact", received.object().toJson())
            .put("inspection", received.inspection().toJson())))
        .onSuccess(result -> Calls.respond(ctx, 201, result)).onFailure(ctx::fail);
  }

  private void createDatasetVersion(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    Payload.checkName("name", name);
    Calls.authorize(ctx, "dataset.version.create");
    uploads.receive(ctx, ObjectStore.DATASETS, true)
        .compose(received -> callWithUpload(ctx, "dataset.version.create", received.object(), () -> new JsonObject()
            .put("name", name)
            .put("artifact", received.object().toJson())
            .put("inspection", received.inspection().toJson())))
        .onSuccess(result -> Calls.respond(ctx, 201, result)).onFailure(ctx::fail);
  }

  /**
   * Sends the operation that records an uploaded object. The server removes the object when it refuses it; here it
   * is removed when the payload cannot be built or no server took the request.
   */
  private Future<JsonObject> callWithUpload(RoutingContext ctx, String operation, StoredObject object,
                                            Supplier<JsonObject> payload) {
    JsonObject built;
    try {
      built = payload.get();
    } catch (McpException e) {
      return store.remove(object).transform(v -> Future.failedFuture(e));
    }
    return calls.hub(ctx, operation, built).recover(failure -> McpException.wrap(failure).code() == ErrorCode.UNAVAILABLE
        ? store.remove(object).transform(v -> Future.failedFuture(failure))
        : Future.failedFuture(failure));
  }

  private void download(RoutingContext ctx, String operation) {
    JsonObject payload = payloadOf(ctx);
    calls.hub(ctx, operation, payload).onSuccess(version -> {
      JsonObject artifact = version.getJsonObject("artifact");
      if (artifact == null) {
        ctx.fail(McpException.notFound("version " + version.getValue("version") + " has no file (format "
            + version.getString("format") + ")"));
        return;
      }
      downloads.send(ctx, StoredObject.fromJson(artifact));
    }).onFailure(ctx::fail);
  }

  /** The file of an execution's first output: its dataset version's object. */
  private void downloadResult(RoutingContext ctx) {
    calls.hub(ctx, "execution.get", payloadOf(ctx)).compose(execution -> {
      JsonObject result = execution.getJsonObject("result");
      io.vertx.core.json.JsonArray outputs = result == null ? null : result.getJsonArray("outputs");
      if (outputs == null || outputs.isEmpty()) {
        return Future.failedFuture(McpException.notFound("execution '" + execution.getString("id")
            + "' has no output file (status " + execution.getString("status") + ")"));
      }
      JsonObject output = outputs.getJsonObject(0);
      return calls.hub(ctx, "dataset.version.get", new JsonObject().put("name", output.getString("dataset"))
          .put("version", output.getValue("version").toString()));
    }).onSuccess(version -> downloads.send(ctx, StoredObject.fromJson(version.getJsonObject("artifact"))))
        .onFailure(ctx::fail);
  }

  private static JsonObject jsonBody(RoutingContext ctx) {
    JsonObject body;
    try {
      body = ctx.body() == null || ctx.body().length() == 0 ? null : ctx.body().asJsonObject();
    } catch (DecodeException | ClassCastException e) {
      throw McpException.invalid("malformed JSON: the body must be a JSON object");
    }
    if (body == null) {
      throw McpException.invalid("expected multipart/form-data with a 'file', or a JSON body for format llm");
    }
    return body;
  }

  /** A form field that holds a JSON object, parsed; absent is null. */
  private static JsonObject jsonField(MultiMap form, String field) {
    String text = form.get(field);
    if (text == null || text.isBlank()) {
      return null;
    }
    try {
      return new JsonObject(text);
    } catch (DecodeException | ClassCastException e) {
      throw McpException.invalidField(field, "must be a JSON object");
    }
  }
}
