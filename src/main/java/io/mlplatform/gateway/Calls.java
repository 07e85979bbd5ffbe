package io.mlplatform.gateway;

import io.mlplatform.mcp.Addresses;
import io.mlplatform.mcp.Caller;
import io.mlplatform.mcp.DirectServers;
import io.mlplatform.mcp.Envelope;
import io.mlplatform.mcp.JsonStreams;
import io.mlplatform.mcp.McpClient;
import io.mlplatform.mcp.McpException;
import io.mlplatform.policy.Policy;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.EncodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a route asks the platform: one MCP request per HTTP request, on behalf of the request's caller once it is
 * allowed to (see {@link Policy}), logged, its server named in X-Served-By.
 */
final class Calls {
  static final String SERVED_BY = "X-Served-By";
  private static final Logger ACCESS = LoggerFactory.getLogger("mlplatform.access");
  private static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");

  private final McpClient client;

  Calls(McpClient client) {
    this.client = client;
  }

  /** Sends an operation to the hub, which routes it to the server that owns it. */
  Future<JsonObject> hub(RoutingContext ctx, String operation, JsonObject payload) {
    return send(Exchange.of(ctx), Addresses.HUB, McpClient.HUB, operation, payload);
  }

  /** Fails (401 or 403) unless the request's caller may perform {@code operation}. */
  static void authorize(RoutingContext ctx, String operation) {
    Policy.authorize(Authentication.caller(ctx), operation);
  }

  /**
   * The gateway's own question to the hub while answering a request (e.g. why a deployment has no replica): not
   * the caller's operation, so not checked against the caller's permissions.
   */
  Future<JsonObject> lookup(Exchange x, String operation, JsonObject payload) {
    return exchange(x, Addresses.HUB, client.newRequest(McpClient.HUB, operation, payload));
  }

  /**
   * Sends an operation straight to an address (a deployment's replicas: the prediction hot path), or has a server of
   * this node answer it on this thread when it can ({@link io.mlplatform.mcp.DirectServers}: no envelope, no hop).
   */
  Future<JsonObject> send(Exchange x, String address, Envelope.Party recipient, String operation,
                          JsonObject payload) {
    Caller caller = x.caller();
    try {
      Policy.authorize(caller, operation);
    } catch (McpException refused) {
      return Future.failedFuture(refused);
    }
    DirectServers.Server server = client.direct(address);
    Future<JsonObject> answer = server == null ? null : server.answer(operation, payload);
    if (answer == null) {
      return exchange(x, address, client.newRequest(recipient, operation, payload).onBehalfOf(caller));
    }
    logged(x, operation, "direct");
    x.response().putHeader(SERVED_BY, server.id());
    return answer;
  }

  /**
   * Sends a copy of a request the caller was allowed to make (a shadow's mirrored prediction): its answer is not the
   * caller's, so it touches neither the response nor the access log.
   */
  Future<JsonObject> mirror(Exchange x, String address, Envelope.Party recipient, String operation,
                            JsonObject payload) {
    return client.send(address, client.newRequest(recipient, operation, payload).onBehalfOf(x.caller()));
  }

  private Future<JsonObject> exchange(Exchange x, String address, Envelope request) {
    logged(x, request.operation(), request.messageId());
    return client.exchange(address, request).compose(response -> {
      x.response().putHeader(SERVED_BY, response.sender().id());
      return response.isError() ? Future.failedFuture(response.error()) : Future.succeededFuture(response.result());
    });
  }

  /** Writes the access log's line of a request when it ends: operation, status, time, message id, caller. */
  private static void logged(Exchange x, String operation, String messageId) {
    if (ACCESS.isInfoEnabled()) {
      long start = System.nanoTime();
      x.onEnd(ended -> ACCESS.info("{} {} {}us {} {}", operation, x.response().getStatusCode(),
          (System.nanoTime() - start) / 1000, messageId, x.caller().name()));
    }
  }

  /**
   * Answers with {@code result} as JSON, written by Jackson's streaming generator ({@link JsonObject#encode()} goes
   * through the object mapper and a String: a fifth of a prediction's gateway time).
   */
  static void respond(RoutingContext ctx, int status, JsonObject result) {
    respond(ctx.response(), status, result);
  }

  static void respond(HttpServerResponse response, int status, JsonObject result) {
    if (status == 204) {
      response.setStatusCode(204).end();
      return;
    }
    response.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON).end(encode(result));
  }

  /** The streaming encoding, or the object mapper's for a value type the streaming one does not know. */
  static Buffer encode(JsonObject result) {
    try {
      return JsonStreams.encode(result);
    } catch (EncodeException e) {
      return result.toBuffer();
    }
  }
}
