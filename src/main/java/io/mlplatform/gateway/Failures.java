package io.mlplatform.gateway;

import io.mlplatform.mcp.ErrorCode;
import io.mlplatform.mcp.McpException;
import io.mlplatform.storage.StreamTap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import io.vertx.json.schema.OutputUnit;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatorException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one place that turns any failure into the API's error body and its HTTP status. */
final class Failures {
  private static final Logger LOG = LoggerFactory.getLogger(Failures.class);

  private Failures() {
  }

  /** Failure handler for every route, and error handler for unmatched ones. */
  static void render(RoutingContext ctx) {
    render(ctx.request(), ctx.response(), ctx.failure(), ctx.statusCode());
  }

  /** The same for a request that vertx-web did not route ({@link HotPath}); {@code status} -1 when none was set. */
  static void render(HttpServerRequest request, HttpServerResponse response, Throwable failure, int status) {
    McpException error = classify(failure, status);
    if (error.code() == ErrorCode.INTERNAL) {
      LOG.error("{} {} failed", request.method(), request.path(), failure);
    }
    send(request, response, error);
  }

  private static void send(HttpServerRequest request, HttpServerResponse response, McpException error) {
    if (response.ended() || response.closed()) {
      return;
    }
    if (response.headWritten()) {
      // a stream broke midway: the client sees a cut response
      response.reset();
      return;
    }
    String servedBy = response.headers().get(Calls.SERVED_BY);
    String retryAfter = response.headers().get("Retry-After");
    response.headers().clear();
    if (servedBy != null) {
      response.putHeader(Calls.SERVED_BY, servedBy);
    }
    if (retryAfter != null) {
      response.putHeader("Retry-After", retryAfter);
    }
    if (error.code() == ErrorCode.UNAUTHENTICATED) {
      response.putHeader("WWW-Authenticate", "Bearer realm=\"mlplatform\"");
    }
    // an HTTP/1 upload refused midway: answer now and close, rather than read the rest of it (HTTP/2 ends the stream)
    boolean unreadBody = !request.isEnded() && request.version() != HttpVersion.HTTP_2;
    if (unreadBody) {
      response.putHeader(HttpHeaders.CONNECTION, "close");
    }
    // the Open Inference Protocol's errors are {"error": "message"}
    JsonObject body = request.path().startsWith("/v2")
        ? new JsonObject().put("error", error.getMessage())
        : new JsonObject().put("error", error.toJson());
    response.setStatusCode(error.code().httpStatus())
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(body.encode())
        .onComplete(v -> {
          if (unreadBody) {
            request.connection().close();
          }
        });
  }

  static McpException classify(Throwable failure, int status) {
    if (failure instanceof StreamTap.UploadFailedException upload && upload.getCause() != null) {
      failure = upload.getCause();
    }
    if (failure instanceof McpException e) {
      return e;
    }
    if (failure instanceof SchemaValidationException e) {
      return schemaError(e);
    }
    if (failure instanceof ValidatorException e) {
      return McpException.invalid(e.getMessage());
    }
    if (failure instanceof DecodeException e) {
      return McpException.invalid("malformed JSON: " + e.getMessage());
    }
    if (failure instanceof HttpException e) {
      return e.getCause() == null ? fromStatus(e.getStatusCode(), e.getPayload()) : classify(e.getCause(), e.getStatusCode());
    }
    if (failure == null || status != 500 && status != -1) {
      return fromStatus(status, null);
    }
    return McpException.wrap(failure);
  }

  private static McpException schemaError(SchemaValidationException e) {
    OutputUnit unit = deepest(e.getOutputUnit());
    JsonObject details = new JsonObject();
    String message = e.getMessage();
    if (unit != null) {
      String location = unit.getInstanceLocation();
      String field = location == null ? "" : location.replaceFirst("^#/?", "").replace('/', '.');
      details.put("reason", unit.getError());
      if (!field.isEmpty()) {
        // a body property; a parameter's own message already names it
        details.put("field", field);
        message = field + ": " + unit.getError();
      }
    }
    return new McpException(ErrorCode.INVALID_ARGUMENT, message, details);
  }

  /** The most specific error of a validation: the one found deepest in the schema. */
  private static OutputUnit deepest(OutputUnit unit) {
    if (unit == null) {
      return null;
    }
    OutputUnit best = unit.getError() == null ? null : unit;
    if (unit.getErrors() != null) {
      for (OutputUnit child : unit.getErrors()) {
        OutputUnit candidate = deepest(child);
        if (candidate != null && !candidate.getError().startsWith("A subschema had errors")
            && (best == null || depth(candidate) > depth(best))) {
          best = candidate;
        }
      }
    }
    return best;
  }

  private static int depth(OutputUnit unit) {
    String location = unit.getKeywordLocation();
    return location == null ? 0 : location.length();
  }

  private static McpException fromStatus(int status, String detail) {
    return switch (status) {
      case 400 -> McpException.invalid(detail == null ? "bad request" : detail);
      case 401 -> new McpException(ErrorCode.UNAUTHENTICATED, "authentication required");
      case 403 -> new McpException(ErrorCode.PERMISSION_DENIED, "not allowed");
      case 404 -> McpException.notFound("no such resource");
      case 405 -> new McpException(ErrorCode.INVALID_ARGUMENT, "method not allowed on this resource");
      case 413 -> new McpException(ErrorCode.PAYLOAD_TOO_LARGE, "the request body is larger than the limit");
      case 415 -> McpException.invalid("unsupported content type");
      case 417 -> McpException.invalid("the only expectation a request may send is 'Expect: 100-continue'");
      default -> new McpException(ErrorCode.INTERNAL, "internal error (HTTP " + status + ")");
    };
  }
}
