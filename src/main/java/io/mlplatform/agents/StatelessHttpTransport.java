package io.mlplatform.agents;

import io.mlplatform.mcp.Caller;
import io.mlplatform.node.Settings;
import io.mlplatform.policy.Policy;
import io.modelcontextprotocol.common.McpTransportContext;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpStatelessServerHandler;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.spec.McpStatelessServerTransport;
import io.modelcontextprotocol.spec.ProtocolVersions;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The Streamable HTTP transport of the Model Context Protocol, stateless, on a Vert.x route (the SDK ships only a
 * Servlet one): a POST holds one JSON-RPC message; a request is answered with one JSON response, a notification or a
 * response with 202 and no body. No session and no server-sent events: GET and DELETE get 405. A page of another site
 * ({@code Origin} neither a loopback address nor allow-listed) is refused with 403, which is what keeps a DNS-rebinding
 * page off a platform on a laptop. Runs on the event loop: the server's handlers only compose futures.
 */
final class StatelessHttpTransport implements McpStatelessServerTransport {
  /** Where the request's caller travels to the tools, in the transport context. */
  static final String CALLER = "mlplatform.caller";
  static final String PROTOCOL_VERSION_HEADER = "MCP-Protocol-Version";
  private static final Logger LOG = LoggerFactory.getLogger(StatelessHttpTransport.class);
  private static final List<String> VERSIONS = List.of(ProtocolVersions.MCP_2025_11_25, ProtocolVersions.MCP_2025_06_18,
      ProtocolVersions.MCP_2025_03_26);

  private final McpJsonMapper json;
  private final Set<String> allowedOrigins;
  private McpStatelessServerHandler handler;

  StatelessHttpTransport(McpJsonMapper json, List<String> allowedOrigins) {
    this.json = json;
    this.allowedOrigins = Set.copyOf(allowedOrigins.stream()
        .map(o -> o.toLowerCase(Locale.ROOT).replaceAll("/+$", "")).toList());
  }

  @Override
  public void setMcpHandler(McpStatelessServerHandler handler) {
    this.handler = handler;
  }

  @Override
  public List<String> protocolVersions() {
    return VERSIONS;
  }

  @Override
  public Mono<Void> closeGracefully() {
    return Mono.empty();
  }

  /** Answers one HTTP request to the endpoint on behalf of {@code caller}. */
  void handle(RoutingContext ctx, Caller caller) {
    HttpServerResponse response = ctx.response();
    String origin = ctx.request().getHeader(HttpHeaders.ORIGIN);
    if (origin != null && !allowedOrigin(origin)) {
      error(response, 403, McpSchema.ErrorCodes.INVALID_REQUEST, "requests from the page of another site (Origin "
          + origin + ") are refused: an admin may allow that origin with MLP_ALLOWED_ORIGINS");
      return;
    }
    if (ctx.request().method() != HttpMethod.POST) {
      response.putHeader(HttpHeaders.ALLOW, "POST");
      error(response, 405, McpSchema.ErrorCodes.INVALID_REQUEST, "this endpoint is stateless: send each JSON-RPC"
          + " message in a POST (no server-sent event stream, no session to delete)");
      return;
    }
    if (caller.anonymous() && Policy.granted(caller.roles()).isEmpty()) {
      error(response, 401, McpSchema.ErrorCodes.INVALID_REQUEST, "this platform needs an API key: send it as"
          + " 'Authorization: Bearer <key>' (an admin creates keys with POST /api/keys)");
      return;
    }
    String version = ctx.request().getHeader(PROTOCOL_VERSION_HEADER);
    if (version != null && !VERSIONS.contains(version)) {
      error(response, 400, McpSchema.ErrorCodes.INVALID_REQUEST, "unsupported " + PROTOCOL_VERSION_HEADER + " '"
          + version.replaceAll("[^ -~]", "?") + "': this server speaks " + String.join(", ", VERSIONS));
      return;
    }
    if (!acceptsJson(ctx.request().getHeader(HttpHeaders.ACCEPT))) {
      error(response, 406, McpSchema.ErrorCodes.INVALID_REQUEST, "the response is application/json: the Accept"
          + " header must allow it");
      return;
    }
    McpSchema.JSONRPCMessage message;
    try {
      String body = ctx.body() == null ? null : ctx.body().asString();
      if (body == null || body.isBlank()) {
        error(response, 400, McpSchema.ErrorCodes.PARSE_ERROR, "expected a JSON-RPC message in the body");
        return;
      }
      message = McpSchema.deserializeJsonRpcMessage(json, body);
    } catch (IOException | IllegalArgumentException | ClassCastException e) {
      error(response, 400, McpSchema.ErrorCodes.PARSE_ERROR, "the body is not a JSON-RPC 2.0 message (batches are not"
          + " part of this protocol revision)");
      return;
    }
    McpTransportContext context = McpTransportContext.create(Map.of(CALLER, caller));
    Context vertx = Vertx.currentContext();
    if (message instanceof McpSchema.JSONRPCRequest request) {
      handler.handleRequest(context, request)
          .contextWrite(c -> c.put(McpTransportContext.KEY, context))
          .subscribe(
              answer -> vertx.runOnContext(v -> write(response, answer)),
              failure -> vertx.runOnContext(v -> {
                LOG.error("MCP request {} failed", request.method(), failure);
                error(response, 500, McpSchema.ErrorCodes.INTERNAL_ERROR, "the request failed: " + failure.getMessage());
              }));
    } else if (message instanceof McpSchema.JSONRPCNotification notification) {
      handler.handleNotification(context, notification)
          .contextWrite(c -> c.put(McpTransportContext.KEY, context))
          .subscribe(null, failure -> vertx.runOnContext(v -> response.setStatusCode(202).end()),
              () -> vertx.runOnContext(v -> response.setStatusCode(202).end()));
    } else {
      // a response to a request of the server's: a stateless server sends none, so there is nothing to match it to
      response.setStatusCode(202).end();
    }
  }

  private void write(HttpServerResponse response, McpSchema.JSONRPCResponse answer) {
    if (response.ended()) {
      return;
    }
    try {
      response.setStatusCode(200).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
          .end(json.writeValueAsString(answer));
    } catch (IOException e) {
      error(response, 500, McpSchema.ErrorCodes.INTERNAL_ERROR, "the answer could not be written: " + e.getMessage());
    }
  }

  private void error(HttpServerResponse response, int status, int code, String message) {
    if (response.ended()) {
      return;
    }
    // the SDK's response type insists on an id; JSON-RPC answers a message it could not read with a null one
    String body = new JsonObject().put("jsonrpc", "2.0").putNull("id")
        .put("error", new JsonObject().put("code", code).put("message", message)).encode();
    response.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(body);
  }

  private boolean allowedOrigin(String origin) {
    if (allowedOrigins.contains(origin.toLowerCase(Locale.ROOT))) {
      return true;
    }
    try {
      String host = new URI(origin).getHost();
      return host != null && Settings.isLoopback(host);
    } catch (java.net.URISyntaxException e) {
      return false;
    }
  }

  private static boolean acceptsJson(String accept) {
    if (accept == null || accept.isBlank()) {
      return true;
    }
    String lower = accept.toLowerCase(Locale.ROOT);
    return lower.contains("application/json") || lower.contains("*/*") || lower.contains("application/*");
  }
}
