package io.mlplatform.execution.deployments;

import io.mlplatform.mcp.Addresses;
import io.mlplatform.mcp.McpClient;
import io.mlplatform.mcp.McpException;
import io.mlplatform.mcp.Payload;
import io.mlplatform.runtime.registry.ModelFormats;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Deployments in MongoDB ({@link DeploymentStore}); every change is announced on {@link Addresses#DEPLOYMENT_EVENTS},
 * where each node's {@link Reconciler} hears it and starts or stops its replicas.
 */
public final class Deployments implements DeploymentService {

  private final DeploymentStore store;
  private final McpClient client;

  /** @param client asks the model registry (through the hub) whether versions serve, and announces changes */
  public Deployments(DeploymentStore store, McpClient client) {
    this.store = store;
    this.client = client;
  }

  @Override
  public Future<JsonObject> create(JsonObject fields, String createdBy) {
    return checked(() -> {
      JsonObject desired = DeploymentSpec.created(new Payload(fields), createdBy);
      String name = desired.getString("name");
      return checkServable(desired).compose(v -> store.create(desired)).compose(created -> changed(name));
    });
  }

  @Override
  public Future<JsonObject> update(String name, JsonObject changes) {
    return store.get(name).compose(current -> {
      JsonObject desired = DeploymentSpec.apply(new Payload(changes), current.copy());
      JsonObject set = new JsonObject();
      List<String> unset = new ArrayList<>();
      for (String field : DeploymentSpec.CHANGEABLE) {
        if (desired.getValue(field) != null) {
          set.put(field, desired.getValue(field));
        } else if (current.getValue(field) != null) {
          unset.add(field);
        }
      }
      return checkServable(desired).compose(v -> store.update(name, set, unset));
    }).compose(updated -> changed(name));
  }

  @Override
  public Future<JsonObject> delete(String name) {
    return store.delete(name).map(v -> {
      client.publish(Addresses.DEPLOYMENT_EVENTS, "deployment.changed", new JsonObject().put("name", name)
          .put("change", "deleted"));
      return new JsonObject().put("deleted", name);
    });
  }

  @Override
  public Future<JsonObject> get(String name) {
    return store.get(name).compose(deployment -> store.replicas(name).map(replicas -> describe(deployment, replicas)));
  }

  @Override
  public Future<JsonObject> list(int limit, int offset) {
    return store.page(limit, offset).compose(page -> store.replicas(null).map(replicas -> {
      JsonArray items = new JsonArray();
      page.getJsonArray("items").forEach(d -> items.add(describe((JsonObject) d, replicas)));
      return page.put("items", items);
    }));
  }

  private static Future<JsonObject> checked(Supplier<Future<JsonObject>> action) {
    try {
      return action.get();
    } catch (McpException e) {
      return Future.failedFuture(e);
    }
  }

  /** Every version the deployment names must exist and serve online. */
  private Future<Void> checkServable(JsonObject desired) {
    return Future.all(DeploymentSpec.versionRefs(desired).stream().map(ref -> checkServable(desired, ref)).toList())
        .mapEmpty();
  }

  /** The version must exist and be of a format that serves online (an LLM's API key must be set here). */
  private Future<Void> checkServable(JsonObject desired, String ref) {
    JsonObject payload = new JsonObject().put("name", desired.getString("model")).put("version", ref);
    return client.hub("model.version.get", payload)
        .map(registered -> {
          ModelFormats.checkServable(registered, System.getenv());
          return null;
        });
  }

  private Future<JsonObject> changed(String name) {
    client.publish(Addresses.DEPLOYMENT_EVENTS, "deployment.changed", new JsonObject().put("name", name)
        .put("change", "updated"));
    return get(name);
  }

  /**
   * The deployment with each replica's report and an overall status: ready when every version it serves has a
   * ready replica, degraded when only some have (requests for the others go to the first entry's).
   */
  private static JsonObject describe(JsonObject deployment, List<JsonObject> replicas) {
    String name = deployment.getString("name");
    JsonArray mine = new JsonArray();
    replicas.stream().filter(r -> name.equals(r.getString("deployment"))).forEach(mine::add);
    Set<String> lanes = DeploymentSpec.laneIds(deployment);
    Set<String> ready = new HashSet<>();
    mine.stream().map(r -> (JsonObject) r).filter(r -> "ready".equals(r.getString("status")))
        .forEach(r -> ready.add(r.getString("lane", DeploymentSpec.FIRST_LANE)));
    boolean allFailed = !mine.isEmpty()
        && mine.stream().allMatch(r -> "failed".equals(((JsonObject) r).getString("status")));
    String status = ready.containsAll(lanes) ? "ready" : ready.contains(DeploymentSpec.FIRST_LANE) ? "degraded"
        : allFailed ? "failed" : "pending";
    return deployment.copy().put("status", status).put("replica_status", mine);
  }
}
