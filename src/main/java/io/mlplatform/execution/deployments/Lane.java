package io.mlplatform.execution.deployments;

import io.mlplatform.mcp.Addresses;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * One version a deployment serves and where its replicas consume: an entry of its traffic split (the single version
 * when there is no split is entry 0) or its shadow. A lane keeps its id while the version its reference names
 * changes (an alias moving), so its replicas are replaced in place.
 */
record Lane(String id, String ref, String address, boolean shadow) {
  static final String FIRST = "traffic/0";
  static final String SHADOW = "shadow";

  static List<Lane> of(JsonObject deployment) {
    String name = deployment.getString("name");
    List<Lane> lanes = new ArrayList<>();
    JsonArray traffic = deployment.getJsonArray("traffic");
    if (traffic == null || traffic.isEmpty()) {
      lanes.add(new Lane(FIRST, deployment.getString("version", "latest"), Addresses.deploymentLane(name, 0), false));
    } else {
      for (int i = 0; i < traffic.size(); i++) {
        lanes.add(new Lane("traffic/" + i, traffic.getJsonObject(i).getString("version"),
            Addresses.deploymentLane(name, i), false));
      }
    }
    JsonObject shadow = deployment.getJsonObject("shadow");
    if (shadow != null) {
      lanes.add(new Lane(SHADOW, shadow.getString("version"), Addresses.deploymentShadow(name), true));
    }
    return lanes;
  }

  /** What placement ranks nodes by: the first lane's replicas go where a deployment's always went. */
  String placementKey(String deployment) {
    return FIRST.equals(id) ? deployment : deployment + "/" + id;
  }
}
