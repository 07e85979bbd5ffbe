package io.mlplatform.workflow.steps;

import io.mlplatform.workflow.Expressions;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Locale;
import java.util.Map;

/**
 * {@code route}: picks the next step from data ({@code "on": "${expr}"}, its value is a branch's key) or from an LLM
 * deployment's classification ({@code "classify": {"deployment", "prompt"}}: the answer names one of the branches'
 * keys). {@code "branches": {"key": "stepId"}, "default": "stepId"}; the run goes on at the chosen step.
 */
public final class RouteStep implements StepKind {
  @Override
  public void check(JsonObject step, Check check) {
    Object on = step.getValue("on");
    Object classify = step.getValue("classify");
    if ((on == null) == (classify == null)) {
      throw check.invalid("on", "give exactly one of 'on' (an expression) or 'classify' ({deployment, prompt})");
    }
    if (on != null && !Expressions.isExpression(on)) {
      throw check.invalid("on", "must be an expression \"${ ... }\"");
    }
    check.expressions(on, "on");
    if (classify != null) {
      if (!(classify instanceof JsonObject spec) || !(spec.getValue("deployment") instanceof String)
          || spec.getValue("prompt") == null) {
        throw check.invalid("classify", "must be {\"deployment\": name, \"prompt\": text or expression}");
      }
      check.expressions(classify, "classify");
    }
    if (!(step.getValue("branches") instanceof JsonObject branches) || branches.isEmpty()) {
      throw check.invalid("branches", "must be a non-empty object {value: step id}");
    }
    for (Map.Entry<String, Object> branch : branches) {
      if (!(branch.getValue() instanceof String target)) {
        throw check.invalid("branches." + branch.getKey(), "must be a step id");
      }
      check.target(target, "branches." + branch.getKey());
    }
    if (step.containsKey("default")) {
      if (!(step.getValue("default") instanceof String target)) {
        throw check.invalid("default", "must be a step id");
      }
      check.target(target, "default");
    }
  }

  @Override
  public Future<JsonObject> run(StepContext step) {
    JsonObject branches = step.step().getJsonObject("branches");
    if (step.step().containsKey("on")) {
      return step.resolve(step.step().getValue("on"), "on").compose(value -> {
        step.inputs(new JsonObject().put("on", value));
        return choose(step, branches, value == null ? null : String.valueOf(value), value);
      });
    }
    return step.resolve(step.step().getJsonObject("classify"), "classify")
        .compose(resolved -> classify(step, branches, (JsonObject) resolved));
  }

  private Future<JsonObject> classify(StepContext step, JsonObject branches, JsonObject classify) {
    String labels = String.join(", ", branches.fieldNames());
    String prompt = classify.getValue("prompt") + "\nAnswer with exactly one of: " + labels + ".";
    step.inputs(new JsonObject().put("deployment", classify.getString("deployment")).put("prompt", prompt));
    return step.calls().predict(classify.getString("deployment"), new JsonObject().put("inputs", new JsonArray().add(prompt)))
        .compose(answer -> {
          String text = answer.getJsonArray("outputs").getJsonObject(0).getString("text", "");
          return choose(step, branches, label(text, branches), text);
        });
  }

  /** The branch key the answer names: the one whose first mention comes first. */
  private static String label(String answer, JsonObject branches) {
    String lower = answer.toLowerCase(Locale.ROOT);
    String chosen = null;
    int at = Integer.MAX_VALUE;
    for (String key : branches.fieldNames()) {
      int index = lower.indexOf(key.toLowerCase(Locale.ROOT));
      if (index >= 0 && index < at) {
        at = index;
        chosen = key;
      }
    }
    return chosen;
  }

  private static Future<JsonObject> choose(StepContext step, JsonObject branches, String key, Object value) {
    String next = key == null ? null : branches.getString(key);
    if (next == null) {
      next = step.step().getString("default");
      key = null;
    }
    if (next == null) {
      return Future.failedFuture(step.invalid("branches", "'" + value + "' matches no branch " + branches.fieldNames()
          + " and there is no default"));
    }
    return Future.succeededFuture(new JsonObject().put("value", value).put("branch", key).put("next", next));
  }
}
