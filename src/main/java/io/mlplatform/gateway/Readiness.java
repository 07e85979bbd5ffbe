package io.mlplatform.gateway;

import io.mlplatform.mcp.Addresses;
import io.mlplatform.mcp.Nodes;
import io.mlplatform.node.NodeStatus;
import io.mlplatform.storage.ObjectStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.web.RoutingContext;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Whether this node can do its job now, for /ready (a load balancer's or an orchestrator's health check): its roles
 * started, MongoDB answers, the object store answers with the platform's buckets (created when missing, so no role
 * waits for another to start first), the cluster is joined with the members expected, and, for a gateway whose node
 * runs no hub, some node of the cluster serves the hub. The answer also counts the nodes serving each server, which
 * does not decide readiness: a gateway without an execution server still serves the rest of the API.
 */
public final class Readiness {
  private static final Map<String, String> SERVERS = Map.of("hub", Addresses.HUB, "model", Addresses.MODEL_SERVER,
      "data", Addresses.DATA_SERVER, "execution", Addresses.EXECUTION_SERVER, "access", Addresses.ACCESS_SERVER);

  private final Vertx vertx;
  private final NodeStatus status;
  private final MongoClient mongo;
  private final ObjectStore objects;

  public Readiness(Vertx vertx, NodeStatus status, MongoClient mongo, ObjectStore objects) {
    this.vertx = vertx;
    this.status = status;
    this.mongo = mongo;
    this.objects = objects;
  }

  /** 200 with the checks when every one holds, 503 with them otherwise. */
  public void handle(RoutingContext ctx) {
    check().onComplete(done -> {
      JsonObject answer = done.result();
      boolean ready = answer.getJsonObject("checks").stream().allMatch(check -> Boolean.TRUE.equals(check.getValue()));
      ctx.response().setStatusCode(ready ? 200 : 503).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
          .end(answer.put("status", ready ? "ready" : "not_ready").encode());
    });
  }

  /** The node's checks and what it sees of the cluster; never fails (a check that fails is false). */
  private Future<JsonObject> check() {
    Map<String, Future<Boolean>> checks = new LinkedHashMap<>();
    checks.put("roles", Future.succeededFuture(status.rolesDeployed()));
    checks.put("mongo", mongo.runCommand("ping", new JsonObject().put("ping", 1)).map(reply -> true));
    if (status.usesObjectStore()) {
      checks.put("s3", objects.ensureBuckets().map(v -> true));
    }
    checks.put("cluster", Future.succeededFuture(status.clusterJoined()));
    Map<String, Future<Integer>> serving = new LinkedHashMap<>();
    if (status.clustered()) {
      Nodes nodes = Nodes.of(vertx);
      SERVERS.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(server -> serving.put(server.getKey(),
          nodes.serving(server.getValue()).map(list -> (int) list.stream().distinct().count())));
      if (status.roles().contains("gateway") && !status.roles().contains("hub")) {
        checks.put("hub", serving.get("hub").map(count -> count > 0));
      }
    }
    List<Future<?>> all = new java.util.ArrayList<>(checks.values());
    all.addAll(serving.values());
    return Future.join(all).transform(done -> {
      JsonObject answer = new JsonObject();
      checks.forEach((name, check) -> answer.put(name, check.succeeded() && check.result()));
      JsonObject counts = new JsonObject();
      serving.forEach((name, count) -> counts.put(name, count.succeeded() ? count.result() : 0));
      return Future.succeededFuture(new JsonObject().put("node", status.nodeId()).put("roles", status.roles())
          .put("clustered", status.clustered()).put("members", status.members())
          .put("expected_members", status.expectedMembers()).put("serving", counts).put("checks", answer));
    });
  }
}
