package io.mlplatform.execution.deployments;

import io.mlplatform.mcp.McpException;
import io.mlplatform.mcp.Payload;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What a deployment request may set, checked: the version (or a traffic split over versions), a shadow version,
 * replicas, batching, the attempt deadline and prediction logging. A field set to null is removed (shadow, logging).
 */
public final class DeploymentSpec {
  /** Rows a batch may hold: enough for a few multi-row requests to share one model call. */
  private static final int DEFAULT_MAX_BATCH_ROWS = 256;
  private static final int MAX_TRAFFIC_ENTRIES = 10;
  /** The fields a change may set or remove. */
  public static final List<String> CHANGEABLE = List.of("version", "traffic", "shadow", "replicas", "batching",
      "attempt_timeout_ms", "logging");

  private DeploymentSpec() {
  }

  /** A new deployment's desired state: the request's fields over the defaults. */
  public static JsonObject created(Payload p, String createdBy) {
    JsonObject base = new JsonObject().put("name", p.name("name")).put("model", p.name("model"))
        .put("version", "latest").put("replicas", 1).put("batching", batching(null)).put("created_by", createdBy);
    return apply(p, base);
  }

  /** The fields the request sets, over {@code base} (a copy of the current desired state). */
  public static JsonObject apply(Payload p, JsonObject base) {
    JsonObject json = p.json();
    if (json.getValue("version") != null && json.getValue("traffic") != null) {
      throw McpException.invalidField("traffic", "give either a version or a traffic split, not both");
    }
    if (json.getValue("version") != null) {
      base.put("version", versionRef("version", json.getValue("version")));
      base.remove("traffic");
    }
    if (json.containsKey("traffic")) {
      List<JsonObject> entries = traffic(json.getValue("traffic"));
      base.put("version", entries.get(0).getString("version"));
      if (entries.size() == 1) {
        base.remove("traffic");
      } else {
        base.put("traffic", new JsonArray(new ArrayList<>(entries)));
      }
    }
    if (json.containsKey("shadow")) {
      JsonObject shadow = shadow(json.getValue("shadow"));
      if (shadow == null) {
        base.remove("shadow");
      } else {
        base.put("shadow", shadow);
      }
    }
    if (json.containsKey("replicas")) {
      base.put("replicas", p.optionalInt("replicas", 1, 1, 16));
    }
    if (json.containsKey("batching")) {
      base.put("batching", batching(p.optionalObject("batching")));
    }
    if (json.containsKey("attempt_timeout_ms")) {
      base.put("attempt_timeout_ms", p.optionalInt("attempt_timeout_ms", 2000, 100, 300_000));
    }
    if (json.containsKey("logging")) {
      JsonObject logging = logging(json.getValue("logging"));
      if (logging == null) {
        base.remove("logging");
      } else {
        Payload.checkName("logging", PredictionLog.dataset(base.getString("name")));
        base.put("logging", logging);
      }
    }
    return base;
  }

  /** The lane of a deployment's first (or only) version. */
  public static final String FIRST_LANE = Lane.FIRST;

  /** The ids of the lanes a deployment serves: its traffic entries' and its shadow's. */
  public static Set<String> laneIds(JsonObject deployment) {
    Set<String> ids = new LinkedHashSet<>();
    Lane.of(deployment).forEach(lane -> ids.add(lane.id()));
    return ids;
  }

  /** Every version reference the deployment serves: its traffic entries (or its version), then its shadow's. */
  public static Set<String> versionRefs(JsonObject deployment) {
    Set<String> refs = new LinkedHashSet<>();
    for (Lane lane : Lane.of(deployment)) {
      refs.add(lane.ref());
    }
    return refs;
  }

  private static String versionRef(String field, Object version) {
    if (version instanceof Number n && n.intValue() >= 1 && n.doubleValue() == n.intValue()) {
      return Integer.toString(n.intValue());
    }
    if (version instanceof String ref && ref.matches("[A-Za-z0-9][A-Za-z0-9_-]{0,63}")) {
      return ref;
    }
    throw McpException.invalidField(field, "must be a version number, an alias or \"latest\"");
  }

  private static List<JsonObject> traffic(Object value) {
    if (!(value instanceof JsonArray list) || list.isEmpty() || list.size() > MAX_TRAFFIC_ENTRIES) {
      throw McpException.invalidField("traffic", "must be an array of 1 to " + MAX_TRAFFIC_ENTRIES
          + " {version, percent} entries");
    }
    List<JsonObject> entries = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    int total = 0;
    for (int i = 0; i < list.size(); i++) {
      String field = "traffic[" + i + "]";
      if (!(list.getValue(i) instanceof JsonObject entry)) {
        throw McpException.invalidField(field, "must be an object {version, percent}");
      }
      Set<String> unknown = new HashSet<>(entry.fieldNames());
      unknown.removeAll(Set.of("version", "percent"));
      if (!unknown.isEmpty()) {
        throw McpException.invalidField(field, "unknown fields " + unknown + " (an entry holds version and percent)");
      }
      String ref = versionRef(field + ".version", entry.getValue("version"));
      if (!seen.add(ref)) {
        throw McpException.invalidField(field + ".version", "version '" + ref + "' is in the split twice");
      }
      int percent = percent(field + ".percent", entry.getValue("percent"), 0);
      total += percent;
      entries.add(new JsonObject().put("version", ref).put("percent", percent));
    }
    if (total != 100) {
      throw McpException.invalidField("traffic", "the percents must add up to 100 (they add up to " + total + ")");
    }
    return entries;
  }

  private static JsonObject shadow(Object value) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof JsonObject shadow)) {
      throw McpException.invalidField("shadow", "must be an object {version, percent} or null to remove it");
    }
    Object percent = shadow.getValue("percent");
    return new JsonObject().put("version", versionRef("shadow.version", shadow.getValue("version")))
        .put("percent", percent == null ? 100 : percent("shadow.percent", percent, 1));
  }

  private static int percent(String field, Object value, int min) {
    if (!(value instanceof Number n) || n.doubleValue() != n.intValue() || n.intValue() < min || n.intValue() > 100) {
      throw McpException.invalidField(field, "must be a whole number from " + min + " to 100");
    }
    return n.intValue();
  }

  private static JsonObject batching(JsonObject given) {
    Payload p = new Payload(given);
    Object enabled = p.json().getValue("enabled");
    if (enabled != null && !(enabled instanceof Boolean)) {
      throw McpException.invalidField("batching.enabled", "must be true or false");
    }
    return new JsonObject().put("enabled", enabled == null || (Boolean) enabled)
        .put("max_batch_size", p.optionalInt("max_batch_size", DEFAULT_MAX_BATCH_ROWS, 1, 10_000))
        .put("max_wait_ms", p.optionalInt("max_wait_ms", 0, 0, 1000));
  }

  private static JsonObject logging(Object value) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof JsonObject given)) {
      throw McpException.invalidField("logging", "must be an object {sample, roll_seconds, roll_rows} or null");
    }
    Object sample = given.getValue("sample");
    if (!(sample instanceof Number n) || n.doubleValue() < 0 || n.doubleValue() > 1) {
      throw McpException.invalidField("logging.sample", "must be a number from 0 to 1 (the share of requests logged)");
    }
    Payload p = new Payload(given);
    return new JsonObject().put("sample", n.doubleValue())
        .put("roll_seconds", p.optionalInt("roll_seconds", PredictionLog.DEFAULT_ROLL_SECONDS, 1, 86_400))
        .put("roll_rows", p.optionalInt("roll_rows", PredictionLog.DEFAULT_ROLL_ROWS, 1, 10_000_000));
  }
}
