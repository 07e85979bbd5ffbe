package io.mlplatform.workflow;

import io.mlplatform.mcp.Addresses;
import io.mlplatform.mcp.Caller;
import io.mlplatform.mcp.Envelope;
import io.mlplatform.mcp.ErrorCode;
import io.mlplatform.mcp.McpClient;
import io.mlplatform.mcp.McpException;
import io.mlplatform.mcp.Shadows;
import io.mlplatform.mcp.TrafficSplits;
import io.mlplatform.node.Meters;
import io.mlplatform.policy.Policy;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * How workflow steps reach the platform: an operation through the hub, a prediction on a deployment's replicas, and
 * the wait for an execution to end. Bound to a caller ({@link #onBehalfOf(Caller)}), every request carries it and is
 * refused here when the caller may not make it: a workflow can do no more than whoever started its run.
 */
public final class PlatformCalls {
  private static final long POLL_MILLIS = 300;
  /** The statuses of an execution or a workflow run that has ended. */
  public static final Set<String> ENDED = Set.of("succeeded", "failed", "cancelled");

  private final Vertx vertx;
  private final McpClient client;
  private final TrafficSplits splits;
  private final Shadows shadows;
  private final Caller caller;

  public PlatformCalls(Vertx vertx, McpClient client) {
    this(vertx, client, TrafficSplits.of(vertx, client), new Shadows(Meters.of(vertx)), null);
  }

  private PlatformCalls(Vertx vertx, McpClient client, TrafficSplits splits, Shadows shadows, Caller caller) {
    this.vertx = vertx;
    this.client = client;
    this.splits = splits;
    this.shadows = shadows;
    this.caller = caller;
  }

  /** These calls made on behalf of {@code caller} (null: the platform's own, unchecked). */
  public PlatformCalls onBehalfOf(Caller caller) {
    return new PlatformCalls(vertx, client, splits, shadows, caller);
  }

  /** Whom these calls are made for (null: the platform itself). */
  public Caller caller() {
    return caller;
  }

  /** Sends a request on behalf of this caller once it may make it. */
  private Future<JsonObject> send(String address, Envelope.Party recipient, String operation, JsonObject payload) {
    return Policy.allowed(caller, operation)
        .compose(ok -> client.send(address, client.newRequest(recipient, operation, payload).onBehalfOf(caller)));
  }

  /**
   * Sends one task of a map step to the task workers (on every hub and execution node; the event bus spreads the
   * tasks over them); completes with {node, output}.
   */
  public Future<JsonObject> task(JsonObject call) {
    return client.send(TaskWorkerVerticle.ADDRESS, client.newRequest(TaskWorkerVerticle.PARTY, TaskWorkerVerticle.OPERATION,
        new JsonObject().put("call", call)).onBehalfOf(caller));
  }

  public Future<JsonObject> operation(String operation, JsonObject payload) {
    return send(Addresses.HUB, McpClient.HUB, operation, payload);
  }

  /**
   * A prediction, on the version the deployment's traffic split draws (as a request to the gateway would be), a drawn
   * share mirrored to its shadow. A replica that went away mid-request, or a canary lane not ready, leaves it to the
   * deployment's first lane (scoring has no side effect).
   */
  public Future<JsonObject> predict(String deployment, JsonObject payload) {
    Envelope.Party replicas = new Envelope.Party(Addresses.deployment(deployment), "deployment");
    Future<JsonObject> answer = send(splits.address(deployment), replicas, "deployment.predict", payload)
        .recover(failure -> McpException.wrap(failure).code() == ErrorCode.UNAVAILABLE
            ? send(Addresses.deployment(deployment), replicas, "deployment.predict", payload)
            : Future.failedFuture(failure));
    String shadow = splits.shadow(deployment);
    if (shadow != null) {
      shadows.compare(deployment, answer, send(shadow, new Envelope.Party(shadow, "deployment"), "deployment.predict",
          payload));
    }
    return answer;
  }

  /**
   * Performs a resolved call ({operation | deployment, inputs, wait}). An {@code execution.create} that waits reports
   * the execution's id to {@code started} (so a resumed run waits for it instead of starting another), then completes
   * with the execution once it succeeded.
   */
  public Future<JsonObject> perform(JsonObject call, Consumer<String> started, BooleanSupplier cancelled) {
    JsonObject inputs = call.getJsonObject("inputs", new JsonObject());
    String deployment = call.getString("deployment");
    if (deployment != null) {
      return predict(deployment, inputs);
    }
    String operation = call.getString("operation");
    Future<JsonObject> result = operation(operation, inputs);
    if (!"execution.create".equals(operation) || !call.getBoolean("wait", true)) {
      return result;
    }
    return result.compose(queued -> {
      started.accept(queued.getString("id"));
      return awaitExecution(queued.getString("id"), cancelled);
    });
  }

  /** Completes with the execution once it succeeded; fails with its error when it failed or was cancelled. */
  public Future<JsonObject> awaitExecution(String id, BooleanSupplier cancelled) {
    Promise<JsonObject> done = Promise.promise();
    poll(id, cancelled, done, false);
    return done.future();
  }

  private void poll(String id, BooleanSupplier cancelled, Promise<JsonObject> done, boolean cancelAsked) {
    operation("execution.get", new JsonObject().put("id", id)).onComplete(got -> {
      if (got.failed()) {
        McpException error = McpException.wrap(got.cause());
        if (error.code() == ErrorCode.UNAVAILABLE || error.code() == ErrorCode.DEADLINE_EXCEEDED) {
          vertx.setTimer(POLL_MILLIS * 3, t -> poll(id, cancelled, done, cancelAsked));
        } else {
          done.fail(error);
        }
        return;
      }
      JsonObject execution = got.result();
      String status = execution.getString("status");
      if (ENDED.contains(status)) {
        if ("succeeded".equals(status)) {
          done.complete(execution);
        } else {
          done.fail(new McpException(ErrorCode.UPSTREAM_ERROR, "execution " + id + " " + status + ": "
              + execution.getString("error", "no reason given"), new JsonObject().put("execution", id)));
        }
        return;
      }
      boolean cancelNow = !cancelAsked && cancelled.getAsBoolean();
      Future<?> asked = cancelNow ? operation("execution.cancel", new JsonObject().put("id", id)).otherwiseEmpty()
          : Future.succeededFuture();
      asked.onComplete(v -> vertx.setTimer(POLL_MILLIS, t -> poll(id, cancelled, done, cancelAsked || cancelNow)));
    });
  }
}
