package io.mlplatform.mcp;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Shareable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The deployments that split their traffic over versions or mirror it to a shadow, as this node last read them:
 * read at start, on every deployment change and every few seconds (a missed event costs at most that). A deployment
 * not in the table serves from its own address, so a prediction never waits for the table. One table per node,
 * shared by whatever sends predictions there (the gateway's routes, agents' tools, workflow steps).
 */
public final class TrafficSplits implements Shareable {
  private static final Logger LOG = LoggerFactory.getLogger(TrafficSplits.class);
  private static final long REFRESH_MILLIS = 5000;
  private static final int PAGE = 1000;

  /** Entry i of the split takes the requests whose draw in [0, 100) is below cumulative[i]. */
  private record Split(int[] cumulative, String shadowAddress, int shadowPercent) {
  }

  private final McpClient client;
  private volatile Map<String, Split> splits = Map.of();
  private boolean refreshing;
  private boolean again;

  private TrafficSplits(McpClient client) {
    this.client = client;
  }

  /** The node's table; the first caller starts it, and its refreshes run on that caller's context. */
  public static TrafficSplits of(Vertx vertx, McpClient client) {
    boolean[] created = {false};
    TrafficSplits splits = (TrafficSplits) vertx.sharedData().getLocalMap("mlplatform.deployments")
        .computeIfAbsent("traffic-splits", key -> {
          created[0] = true;
          return new TrafficSplits(client);
        });
    if (created[0]) {
      vertx.eventBus().consumer(Addresses.DEPLOYMENT_EVENTS, event -> splits.refresh());
      vertx.setPeriodic(REFRESH_MILLIS, id -> splits.refresh());
      splits.refresh();
    }
    return splits;
  }

  /** The address a prediction for {@code deployment} goes to: its own, or a traffic entry's drawn by its percent. */
  public String address(String deployment) {
    Split split = splits.get(deployment);
    if (split == null || split.cumulative.length == 0) {
      return Addresses.deployment(deployment);
    }
    int draw = ThreadLocalRandom.current().nextInt(100);
    for (int i = 0; i < split.cumulative.length; i++) {
      if (draw < split.cumulative[i]) {
        return Addresses.deploymentLane(deployment, i);
      }
    }
    return Addresses.deployment(deployment);
  }

  /** Where to mirror this prediction, or null: the deployment's shadow, drawn by its percent. */
  public String shadow(String deployment) {
    Split split = splits.get(deployment);
    if (split == null || split.shadowAddress == null) {
      return null;
    }
    return ThreadLocalRandom.current().nextInt(100) < split.shadowPercent ? split.shadowAddress : null;
  }

  private void refresh() {
    if (refreshing) {
      again = true;
      return;
    }
    refreshing = true;
    read(0, new HashMap<>()).onComplete(done -> {
      if (done.succeeded()) {
        splits = Map.copyOf(done.result());
      } else {
        LOG.debug("could not read the deployments' traffic splits: {}", done.cause().getMessage());
      }
      refreshing = false;
      if (again) {
        again = false;
        refresh();
      }
    });
  }

  private Future<Map<String, Split>> read(int offset, Map<String, Split> found) {
    JsonObject page = new JsonObject().put("limit", PAGE).put("offset", offset);
    return client.hub("deployment.list", page).compose(listed -> {
      JsonArray items = listed.getJsonArray("items", new JsonArray());
      for (int i = 0; i < items.size(); i++) {
        JsonObject deployment = items.getJsonObject(i);
        Split split = split(deployment);
        if (split != null) {
          found.put(deployment.getString("name"), split);
        }
      }
      return items.size() == PAGE ? read(offset + PAGE, found) : Future.succeededFuture(found);
    });
  }

  private static Split split(JsonObject deployment) {
    JsonArray traffic = deployment.getJsonArray("traffic");
    JsonObject shadow = deployment.getJsonObject("shadow");
    if ((traffic == null || traffic.size() < 2) && shadow == null) {
      return null;
    }
    int[] cumulative = new int[traffic == null || traffic.size() < 2 ? 0 : traffic.size()];
    int total = 0;
    for (int i = 0; i < cumulative.length; i++) {
      total += traffic.getJsonObject(i).getInteger("percent", 0);
      cumulative[i] = total;
    }
    String name = deployment.getString("name");
    return new Split(cumulative, shadow == null ? null : Addresses.deploymentShadow(name),
        shadow == null ? 0 : shadow.getInteger("percent", 100));
  }
}
