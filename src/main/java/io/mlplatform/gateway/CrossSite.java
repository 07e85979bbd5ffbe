package io.mlplatform.gateway;

import io.mlplatform.agents.AgentEndpoint;
import io.mlplatform.mcp.ErrorCode;
import io.mlplatform.mcp.McpException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Requests from other sites' pages: a change (POST, PUT, PATCH, DELETE) whose {@code Origin} is neither the
 * platform's own nor allow-listed ({@code MLP_ALLOWED_ORIGINS}) is refused, CORS preflights are answered for
 * allowed origins only, and a body that is not multipart must say it is JSON (a form post cannot send that). The
 * Model Context Protocol endpoint has its own rule (see {@link AgentEndpoint}).
 */
final class CrossSite {
  private static final Set<HttpMethod> CHANGES = Set.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH,
      HttpMethod.DELETE);
  private static final String ALLOWED_HEADERS = "Authorization, Content-Type, X-API-Key, "
      + BinaryTensors.HEADER;
  private static final String ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
  private static final String BRIDGE = EventBridge.PATH.replace("*", "");

  private final Set<String> allowed;

  CrossSite(List<String> allowedOrigins) {
    this.allowed = Set.copyOf(allowedOrigins.stream().map(o -> o.toLowerCase(Locale.ROOT).replaceAll("/+$", ""))
        .toList());
  }

  void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    String origin = request.getHeader(HttpHeaders.ORIGIN);
    if (request.method() == HttpMethod.OPTIONS && origin != null
        && request.getHeader(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD) != null) {
      if (!allowedHere(request, origin, ctx.response())) {
        ctx.fail(refused(origin));
        return;
      }
      ctx.response().setStatusCode(204)
          .putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_METHODS, ALLOWED_METHODS)
          .putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_HEADERS, ALLOWED_HEADERS)
          .putHeader(HttpHeaders.ACCESS_CONTROL_MAX_AGE, "600").end();
      return;
    }
    McpException refusal = refusal(request, ctx.response());
    if (refusal == null) {
      ctx.next();
    } else {
      ctx.fail(refusal);
    }
  }

  /**
   * Why a request that is not a preflight is refused, or null when it is not; an allowed other site's origin is
   * named in the response's CORS headers.
   */
  McpException refusal(HttpServerRequest request, HttpServerResponse response) {
    String origin = request.getHeader(HttpHeaders.ORIGIN);
    boolean allowedHere = allowedHere(request, origin, response);
    // the Model Context Protocol endpoint checks origins itself: loopback pages are allowed there (DNS rebinding
    // protection asks for exactly that), other sites only when listed
    if (!CHANGES.contains(request.method()) || AgentEndpoint.PATH.equals(request.path())) {
      return null;
    }
    if (!allowedHere) {
      return refused(origin);
    }
    // the event bridge's SockJS transports post text/plain, and the bridge lets nothing in; a binary tensor request
    // names its JSON's length in a header of its own, which no form can send
    String contentType = request.getHeader(HttpHeaders.CONTENT_TYPE);
    if (!request.path().startsWith(BRIDGE) && hasBody(request) && !Uploads.isMultipart(request)
        && !isJson(contentType) && request.getHeader(BinaryTensors.HEADER) == null) {
      return McpException.invalid("the body must be sent as 'Content-Type: application/json' (got "
          + (contentType == null ? "none" : "'" + contentType + "'") + "), or as multipart/form-data for uploads");
    }
    return null;
  }

  /**
   * Whether a page of {@code origin} may send this request: no origin, the platform's own, or an allow-listed one
   * (then named in the response's CORS headers).
   */
  private boolean allowedHere(HttpServerRequest request, String origin, HttpServerResponse response) {
    if (origin == null || sameOrigin(origin, request.getHeader(HttpHeaders.HOST))) {
      return true;
    }
    if (!allowed.contains(origin.toLowerCase(Locale.ROOT))) {
      return false;
    }
    response.putHeader(HttpHeaders.ACCESS_CONTROL_ALLOW_ORIGIN, origin).putHeader(HttpHeaders.VARY, "Origin");
    return true;
  }

  private static McpException refused(String origin) {
    return new McpException(ErrorCode.PERMISSION_DENIED, "a change from the page of another site (Origin "
        + origin + ") is refused: an admin may allow that origin with MLP_ALLOWED_ORIGINS");
  }

  /** Whether the page's origin names the host the request was sent to (its scheme aside: a proxy may end TLS). */
  private static boolean sameOrigin(String origin, String host) {
    if (host == null) {
      return false;
    }
    try {
      URI uri = new URI(origin);
      String authority = uri.getRawAuthority();
      return authority != null && authority.equalsIgnoreCase(host);
    } catch (java.net.URISyntaxException e) {
      return false;
    }
  }

  private static boolean hasBody(HttpServerRequest request) {
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    return request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null || (length != null && !"0".equals(length.trim()));
  }

  private static boolean isJson(String contentType) {
    if (contentType == null) {
      return false;
    }
    int end = contentType.indexOf(';');
    String type = (end < 0 ? contentType : contentType.substring(0, end)).trim();
    return "application/json".equalsIgnoreCase(type) || type.regionMatches(true, type.length() - 5, "+json", 0, 5);
  }
}
