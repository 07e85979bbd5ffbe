package io.mlplatform.workflow.steps;

import io.mlplatform.mcp.Caller;
import io.mlplatform.workflow.Expressions;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;

/**
 * {@code gate}: a condition that must hold, else the run stops with the gate's reason. Either an expression
 * ({@code "condition": "${steps.train.result.metrics.auc > 0.8}"}) or a validation against the platform:
 * {@code "check": {"metric": {"model", "version", "name", "min"?, "max"?}}} (a model version's metric, its latest
 * evaluation first), {@code "check": {"schema": {"dataset", "version"?, "columns": {"name": "type" | null}}}} or
 * {@code "check": {"role": "approver"}} (or a list, any of which will do): the role of the run's caller, the API key
 * that started it.
 */
public final class GateStep implements StepKind {
  @Override
  public void check(JsonObject step, Check check) {
    Object condition = step.getValue("condition");
    Object validation = step.getValue("check");
    if ((condition == null) == (validation == null)) {
      throw check.invalid("condition", "give exactly one of 'condition' (an expression) or 'check' (a metric or"
          + " schema validation)");
    }
    if (condition != null && !Expressions.isExpression(condition)) {
      throw check.invalid("condition", "must be an expression \"${ ... }\"");
    }
    check.expressions(condition, "condition");
    if (validation != null) {
      if (!(validation instanceof JsonObject checks) || checks.size() != 1
          || !(checks.getValue("metric") instanceof JsonObject || checks.getValue("schema") instanceof JsonObject
          || checks.containsKey("role"))) {
        throw check.invalid("check", "must be {\"metric\": {..}}, {\"schema\": {..}} or {\"role\": \"name\"}");
      }
      Object role = checks.getValue("role");
      if (role != null && !Expressions.isExpression(role) && !(role instanceof String)
          && !(role instanceof JsonArray roles && !roles.isEmpty() && roles.stream().allMatch(String.class::isInstance))) {
        throw check.invalid("check.role", "must be a role name or a non-empty list of role names");
      }
      JsonObject metric = checks.getJsonObject("metric");
      if (metric != null && (metric.getValue("model") == null || metric.getValue("name") == null
          || (metric.getValue("min") == null && metric.getValue("max") == null))) {
        throw check.invalid("check.metric", "needs model, name and min or max (version defaults to latest)");
      }
      JsonObject schema = checks.getJsonObject("schema");
      if (schema != null && (schema.getValue("dataset") == null || !(schema.getValue("columns") instanceof JsonObject))) {
        throw check.invalid("check.schema", "needs dataset and columns {name: type or null}");
      }
      check.expressions(validation, "check");
    }
    check.expressions(step.getValue("reason"), "reason");
  }

  @Override
  public Future<JsonObject> run(StepContext step) {
    Object condition = step.step().getValue("condition");
    if (condition != null) {
      return step.resolve(condition, "condition").compose(value -> {
        step.inputs(new JsonObject().put("condition", value));
        return Expressions.truthy(value) ? Future.succeededFuture(new JsonObject().put("passed", true).put("value", value))
            : closed(step, "condition " + condition + " does not hold");
      });
    }
    return step.resolve(step.step().getJsonObject("check"), "check").compose(resolved -> {
      JsonObject validation = (JsonObject) resolved;
      step.inputs(validation);
      if (validation.containsKey("role")) {
        return role(step, validation.getValue("role"));
      }
      return validation.containsKey("metric") ? metric(step, validation.getJsonObject("metric"))
          : schema(step, validation.getJsonObject("schema"));
    });
  }

  /** Holds when the run's caller has the role (or one of the roles). */
  private static Future<JsonObject> role(StepContext step, Object wanted) {
    List<String> roles = wanted instanceof JsonArray list ? list.stream().map(String::valueOf).toList()
        : List.of(String.valueOf(wanted));
    Caller caller = step.caller();
    if (caller == null) {
      return closed(step, "the run has no recorded caller, so no role " + roles);
    }
    String who = caller.anonymous() ? "an anonymous caller" : "API key '" + caller.name() + "'";
    return roles.stream().filter(caller::has).findFirst()
        .map(role -> Future.succeededFuture(new JsonObject().put("passed", true).put("role", role)
            .put("caller", caller.name())))
        .orElseGet(() -> closed(step, "the run was started by " + who + " with roles "
            + caller.roles() + ", none of " + roles));
  }

  /** The gate's refusal, with its reason (an expression, evaluated like the others) when it has one. */
  private static Future<JsonObject> closed(StepContext step, String why) {
    return step.resolve(step.step().getValue("reason"), "reason").compose(reason ->
        Future.failedFuture(new GateClosed(reason == null ? why : reason + " (" + why + ")")));
  }

  private static Future<JsonObject> metric(StepContext step, JsonObject metric) {
    String name = metric.getString("name");
    JsonObject payload = new JsonObject().put("name", metric.getValue("model"))
        .put("version", String.valueOf(metric.getValue("version", "latest")));
    return step.calls().operation("model.version.get", payload).compose(version -> {
      JsonArray evaluations = version.getJsonArray("evaluations", new JsonArray());
      JsonObject metrics = evaluations.isEmpty() ? version.getJsonObject("metrics", new JsonObject())
          : evaluations.getJsonObject(evaluations.size() - 1).getJsonObject("metrics", new JsonObject());
      Object value = metrics.getValue(name);
      String what = "model " + payload.getString("name") + " version " + version.getValue("version") + " " + name;
      if (!(value instanceof Number number)) {
        return closed(step, what + " is not recorded (metrics: " + metrics.fieldNames() + ")");
      }
      double v = number.doubleValue();
      Number min = metric.getNumber("min");
      Number max = metric.getNumber("max");
      if (min != null && v < min.doubleValue()) {
        return closed(step, what + " = " + v + " is below " + min);
      }
      if (max != null && v > max.doubleValue()) {
        return closed(step, what + " = " + v + " is above " + max);
      }
      return Future.succeededFuture(new JsonObject().put("passed", true).put("model", payload.getString("name"))
          .put("version", version.getValue("version")).put("metric", name).put("value", v));
    });
  }

  private static Future<JsonObject> schema(StepContext step, JsonObject schema) {
    JsonObject payload = new JsonObject().put("name", schema.getValue("dataset"))
        .put("version", String.valueOf(schema.getValue("version", "latest")));
    return step.calls().operation("dataset.version.get", payload).compose(version -> {
      JsonObject actual = new JsonObject();
      version.getJsonArray("schema", new JsonArray()).forEach(c -> actual.put(((JsonObject) c).getString("name"),
          ((JsonObject) c).getString("type")));
      for (Map.Entry<String, Object> column : schema.getJsonObject("columns")) {
        String type = actual.getString(column.getKey());
        if (type == null) {
          return closed(step, "dataset " + payload.getString("name") + " has no column '"
              + column.getKey() + "' (columns: " + actual.fieldNames() + ")");
        }
        if (column.getValue() != null && !column.getValue().equals(type)) {
          return closed(step, "column '" + column.getKey() + "' of dataset "
              + payload.getString("name") + " is " + type + ", not " + column.getValue());
        }
      }
      return Future.succeededFuture(new JsonObject().put("passed", true).put("dataset", payload.getString("name"))
          .put("version", version.getValue("version")).put("columns", actual));
    });
  }
}
