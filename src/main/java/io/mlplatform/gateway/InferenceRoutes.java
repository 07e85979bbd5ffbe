package io.mlplatform.gateway;

import io.mlplatform.mcp.Addresses;
import io.mlplatform.mcp.Envelope;
import io.mlplatform.mcp.ErrorCode;
import io.mlplatform.mcp.JsonStreams;
import io.mlplatform.mcp.McpException;
import io.mlplatform.mcp.Payload;
import io.mlplatform.mcp.Shadows;
import io.mlplatform.mcp.TrafficSplits;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.openapi.router.RouterBuilder;

import java.util.Set;

/**
 * Predictions: the platform's own route and the Open Inference Protocol (KServe V2). Requests go straight to the
 * deployment's address, where its replicas on every node share them; only when none answers is the registry asked
 * whether the deployment exists (404) or is not ready yet (503).
 */
final class InferenceRoutes {
  private static final String VERSION = "0.1.0";
  private static final String PREDICT = "deployment.predict";
  private static final String INFER = "deployment.infer";
  /** The routes as the contract (and so the meters' route label) names them. */
  private static final String PREDICT_ROUTE = "/api/deployments/{name}/predict";
  private static final String V2_INFER_ROUTE = "/v2/models/{name}/infer";
  private static final String V2_VERSION_INFER_ROUTE = "/v2/models/{name}/versions/{version}/infer";
  private static final String PREDICT_PREFIX = "/api/deployments/";
  private static final String PREDICT_SUFFIX = "/predict";
  private static final String V2_PREFIX = "/v2/models/";
  private static final String V2_SUFFIX = "/infer";
  private static final String V2_VERSIONS = "/versions/";

  private final Calls calls;
  private final TrafficSplits splits;
  private final Shadows shadows;

  InferenceRoutes(Calls calls, TrafficSplits splits, Shadows shadows) {
    this.calls = calls;
    this.splits = splits;
    this.shadows = shadows;
  }

  /** The hot path: bodies are checked by the replica (tensor by tensor), not by the contract's validator. */
  static final Set<String> CHECKED_IN_CODE = Set.of("predict", "v2Infer", "v2InferVersion");

  void bind(RouterBuilder api) {
    api.getRoute("predict").addHandler(ctx -> forward(ctx, PREDICT, null));
    api.getRoute("v2Infer").addHandler(ctx -> forward(ctx, INFER, null));
    api.getRoute("v2InferVersion").addHandler(ctx -> forward(ctx, INFER, ctx.pathParam("version")));
    api.getRoute("v2ModelMetadata").addHandler(ctx -> metadata(ctx, false));
    api.getRoute("v2ModelVersionMetadata").addHandler(ctx -> metadata(ctx, false));
    api.getRoute("v2ModelReady").addHandler(ctx -> metadata(ctx, true));
    api.getRoute("v2ModelVersionReady").addHandler(ctx -> metadata(ctx, true));
    api.getRoute("v2Server").addHandler(ctx -> Calls.respond(ctx, 200, new JsonObject().put("name", "mlplatform")
        .put("version", VERSION).put("extensions", new JsonArray().add("binary_tensor_data"))));
    api.getRoute("v2Live").addHandler(ctx -> Calls.respond(ctx, 200, new JsonObject().put("live", true)));
    api.getRoute("v2Ready").addHandler(ctx -> Calls.respond(ctx, 200, new JsonObject().put("ready", true)));
  }

  /** A prediction a plain path asks for: its route's pattern (the meters' label), operation, deployment and version. */
  record Target(String route, String operation, String name, String version) {
  }

  /**
   * The prediction a POST to {@code path} asks for, read by hand (no pattern tried in turn), or null when the path is
   * not a prediction's or holds an escape or a dot segment: those go to the contract's router, which decodes escapes,
   * refuses dot segments and has the same operations.
   */
  static Target target(String path) {
    if (path.indexOf('%') >= 0 || path.contains("/.")) {
      return null;
    }
    if (path.startsWith(PREDICT_PREFIX) && path.endsWith(PREDICT_SUFFIX)) {
      String name = segment(path, PREDICT_PREFIX.length(), path.length() - PREDICT_SUFFIX.length());
      return name == null ? null : new Target(PREDICT_ROUTE, PREDICT, name, null);
    }
    if (path.startsWith(V2_PREFIX) && path.endsWith(V2_SUFFIX)) {
      int end = path.length() - V2_SUFFIX.length();
      String name = segment(path, V2_PREFIX.length(), end);
      if (name != null) {
        return new Target(V2_INFER_ROUTE, INFER, name, null);
      }
      int versions = path.indexOf(V2_VERSIONS, V2_PREFIX.length());
      name = versions < 0 ? null : segment(path, V2_PREFIX.length(), versions);
      String version = name == null ? null : segment(path, versions + V2_VERSIONS.length(), end);
      return version == null ? null : new Target(V2_VERSION_INFER_ROUTE, INFER, name, version);
    }
    return null;
  }

  /** path[from, to) when it is one non-empty path segment, else null. */
  private static String segment(String path, int from, int to) {
    int slash = path.indexOf('/', from);
    return to > from && (slash < 0 || slash >= to) ? path.substring(from, to) : null;
  }

  /** Answers the prediction {@code target}, its request's body in {@code body[0, length)}. */
  void forward(Exchange x, Target target, byte[] body, int length) {
    forward(x, target.operation(), target.name(), target.version(), body, length);
  }

  /**
   * A prediction goes to the version the request names, else to a traffic entry drawn by its percent; a drawn share
   * is mirrored to the deployment's shadow, whose answer is only compared ({@link Shadows}).
   */
  private void forward(Exchange x, String operation, String name, String version, byte[] body, int length) {
    Payload.checkName("name", name);
    boolean infer = INFER.equals(operation);
    long jsonLength = BinaryTensors.jsonLength(x.request());
    if (jsonLength >= 0 && !infer) {
      throw McpException.invalid(BinaryTensors.HEADER + " (binary tensor data) is for the V2 infer routes");
    }
    JsonObject payload = jsonLength >= 0 ? BinaryTensors.parse(body, length, jsonLength) : parse(body, length);
    BinaryTensors.Outputs binaryOutputs = infer ? BinaryTensors.wanted(payload) : null;
    String address;
    String shadow = null;
    if (version != null) {
      payload.put("version", version);
      address = versionAddress(name, version);
    } else {
      address = splits.address(name);
      shadow = splits.shadow(name);
    }
    Future<JsonObject> answer = toReplicas(x, name, address, operation, payload);
    answer.onComplete(result -> {
      if (binaryOutputs == null) {
        Calls.respond(x.response(), 200, result);
        return;
      }
      try {
        BinaryTensors.respond(x.response(), result, binaryOutputs);
      } catch (RuntimeException e) {
        x.fail(e);
      }
    }, x::fail);
    if (shadow != null) {
      Envelope.Party replicas = new Envelope.Party(shadow, "deployment");
      shadows.compare(name, answer, calls.mirror(x, shadow, replicas, operation, payload));
    }
  }

  private void metadata(RoutingContext ctx, boolean readiness) {
    String name = ctx.pathParam("name");
    Payload.checkName("name", name);
    JsonObject payload = new JsonObject();
    String version = ctx.pathParam("version");
    if (version != null) {
      payload.put("version", version);
    }
    String address = version == null ? Addresses.deployment(name) : versionAddress(name, version);
    toReplicas(Exchange.of(ctx), name, address, "deployment.metadata", payload)
        .onSuccess(metadata -> Calls.respond(ctx, 200, readiness
            ? new JsonObject().put("name", name).put("ready", true) : metadata))
        .onFailure(ctx::fail);
  }

  /**
   * Sends to the deployment's replicas. Scoring has no side effect: a request whose replica stops (version switch,
   * node leaving), dies or does not answer within the deployment's attempt deadline goes to another replica
   * ({@link io.mlplatform.mcp.McpClient}).
   */
  private Future<JsonObject> toReplicas(Exchange x, String name, String address, String operation,
                                        JsonObject payload) {
    Envelope.Party replicas = new Envelope.Party(Addresses.deployment(name), "deployment");
    return calls.send(x, address, replicas, operation, payload).recover(failure -> {
      if (!unavailable(failure)) {
        return Future.failedFuture(failure);
      }
      if (address.equals(Addresses.deployment(name)) || payload.getValue("version") != null) {
        return whyUnavailable(x, name, payload.getValue("version"));
      }
      // a traffic entry whose replicas are not ready (yet): the first entry's serve it
      return toReplicas(x, name, Addresses.deployment(name), operation, payload);
    });
  }

  /** Where the replicas of one version serve; a version that is not a number is served by none. */
  private static String versionAddress(String name, String version) {
    try {
      return Addresses.deploymentVersion(name, Integer.parseInt(version));
    } catch (NumberFormatException e) {
      throw McpException.notFound("deployment '" + name + "' has no version '" + Payload.printable(version) + "'");
    }
  }

  private static boolean unavailable(Throwable failure) {
    return McpException.wrap(failure).code() == ErrorCode.UNAVAILABLE;
  }

  /**
   * No replica answered: 404 when the deployment does not exist or does not serve the version asked for, else 503
   * with Retry-After.
   */
  private Future<JsonObject> whyUnavailable(Exchange x, String name, Object version) {
    return calls.lookup(x, "deployment.get", new JsonObject().put("name", name)).compose(deployment -> {
      if (version != null) {
        java.util.Set<String> served = new java.util.TreeSet<>();
        deployment.getJsonArray("replica_status", new JsonArray()).forEach(r -> {
          JsonObject report = (JsonObject) r;
          if ("ready".equals(report.getString("status"))) {
            served.add(String.valueOf(report.getValue("version")));
          }
        });
        if (!served.isEmpty() && !served.contains(version.toString())) {
          return Future.failedFuture(McpException.notFound("deployment '" + name + "' serves version"
              + (served.size() > 1 ? "s " : " ") + String.join(", ", served) + ", not " + version));
        }
      }
      x.response().putHeader("Retry-After", "1");
      return Future.failedFuture(new McpException(ErrorCode.UNAVAILABLE, "deployment '" + name
          + "' has no ready replica yet (status " + deployment.getString("status") + ")"));
    });
  }

  /** The body as a JSON object, its arrays of numbers read unboxed ({@link JsonStreams}: tensors are mostly numbers). */
  private static JsonObject parse(byte[] body, int length) {
    if (body == null || length == 0) {
      throw McpException.invalid("expected a JSON body");
    }
    try {
      return JsonStreams.parseObject(body, 0, length);
    } catch (DecodeException e) {
      throw McpException.invalid("malformed JSON: the body must be a JSON object");
    }
  }

  /** Answers a prediction vertx-web routed, with the body its body handler read (none for a multipart request). */
  private void forward(RoutingContext ctx, String operation, String version) {
    Buffer body = ctx.body() == null ? null : ctx.body().buffer();
    byte[] bytes = body == null ? null : body.getBytes();
    forward(Exchange.of(ctx), operation, ctx.pathParam("name"), version, bytes, bytes == null ? 0 : bytes.length);
  }
}
