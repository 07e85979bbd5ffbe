package io.mlplatform.mcp;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * Who asked: the API key a request came with (or the anonymous caller), carried in a request envelope's
 * {@code metadata.caller}. The gateway sets it; servers and workflow runs read it; the internal bus is trusted.
 */
public record Caller(String id, String name, List<String> roles) {
  public static final String ANONYMOUS_ID = "anonymous";

  public Caller {
    roles = List.copyOf(roles);
  }

  public static Caller anonymous(List<String> roles) {
    return new Caller(ANONYMOUS_ID, ANONYMOUS_ID, roles);
  }

  public boolean anonymous() {
    return ANONYMOUS_ID.equals(id);
  }

  public boolean has(String role) {
    return roles.contains(role);
  }

  public JsonObject toJson() {
    return new JsonObject().put("id", id).put("name", name).put("roles", new JsonArray(roles));
  }

  /** The caller a JSON form describes, or null for none. */
  public static Caller fromJson(JsonObject json) {
    if (json == null || json.getString("id") == null) {
      return null;
    }
    List<String> roles = json.getJsonArray("roles", new JsonArray()).stream().map(String::valueOf).toList();
    return new Caller(json.getString("id"), json.getString("name", json.getString("id")), roles);
  }
}
