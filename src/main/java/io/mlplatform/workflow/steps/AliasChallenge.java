package io.mlplatform.workflow.steps;

import io.mlplatform.mcp.ErrorCode;
import io.mlplatform.mcp.McpException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Set;

/**
 * Whether an optimize step's best candidate takes the alias from the version holding it. That version is scored like
 * the candidates (one evaluate execution on the validation dataset, unless it is a candidate) and keeps the alias
 * unless the best candidate is strictly better. One that cannot be scored there (it takes other features, evaluation
 * does not take its format, its metrics lack the step's) gives the alias up, and the outcome says why.
 */
final class AliasChallenge {
  /** What an evaluation that cannot score the version fails with; anything else (cancellation, an outage) fails the step. */
  private static final Set<ErrorCode> UNSCORABLE = Set.of(ErrorCode.INVALID_ARGUMENT, ErrorCode.NOT_FOUND,
      ErrorCode.UPSTREAM_ERROR);

  private final StepContext step;
  private final JsonObject train;
  private final String validation;
  private final String metric;
  private final boolean maximize;

  AliasChallenge(StepContext step, JsonObject train, String validation, String metric, boolean maximize) {
    this.step = step;
    this.train = train;
    this.validation = validation;
    this.metric = metric;
    this.maximize = maximize;
  }

  /** Completes with {alias_moved, alias_reason, champion?: {version, value, metrics, execution} or {version, error}}. */
  Future<JsonObject> decide(String alias, JsonObject best, JsonArray candidates) {
    if (!step.step().getBoolean("compare_with_alias", true)) {
      return Future.succeededFuture(outcome(true, "compare_with_alias is false", null));
    }
    String model = best.getString("model");
    return step.calls().operation("model.get", new JsonObject().put("name", model))
        .map(found -> found.getJsonObject("aliases", new JsonObject()).getInteger(alias))
        .compose(current -> {
          if (current == null) {
            return Future.succeededFuture(outcome(true, "'" + alias + "' pointed to no version of " + model, null));
          }
          JsonObject candidate = candidates.stream().map(JsonObject.class::cast)
              .filter(c -> current.equals(c.getInteger("version")) && c.getDouble("value") != null)
              .findFirst().orElse(null);
          Future<JsonObject> champion = candidate == null ? score(model, current)
              : Future.succeededFuture(new JsonObject().put("version", current).put("value", candidate.getDouble("value"))
                  .put("metrics", candidate.getJsonObject("metrics")));
          return champion.map(scored -> compared(best, scored))
              .recover(failure -> unscored(failure, alias, current));
        });
  }

  /** Evaluates the version on the validation dataset, once even across attempts of the step. */
  private Future<JsonObject> score(String model, int version) {
    if (validation == null) {
      return Future.failedFuture(McpException.invalid("the step has no validation_dataset to evaluate it on"));
    }
    // an ONNX or PMML version is told the label and features, which a pipeline trained here knows itself
    JsonObject evaluate = new JsonObject().put("type", "evaluate").put("model", model).put("model_version", version)
        .put("dataset", validation);
    for (String field : new String[]{"label", "features"}) {
      if (train.getValue(field) != null) {
        evaluate.put(field, train.getValue(field));
      }
    }
    return OptimizeStep.execution(step, "champion-" + version, evaluate).map(evaluated -> {
      JsonObject metrics = evaluated.getJsonObject("result").getJsonObject("metrics");
      if (!(metrics.getValue(metric) instanceof Number value)) {
        throw McpException.invalid("its metrics have no '" + metric + "' (metrics: " + metrics.fieldNames() + ")");
      }
      return new JsonObject().put("version", version).put("value", value.doubleValue()).put("metrics", metrics)
          .put("execution", evaluated.getString("id"));
    });
  }

  private JsonObject compared(JsonObject best, JsonObject champion) {
    double challenger = best.getDouble("value");
    double holder = champion.getDouble("value");
    int version = champion.getInteger("version");
    if (version == best.getInteger("version")) {
      return outcome(false, "version " + version + " holds it and is the best candidate", champion);
    }
    if (maximize ? challenger > holder : challenger < holder) {
      return outcome(true, "the best candidate's " + metric + " (" + challenger + ") beats version " + version
          + "'s (" + holder + ")", champion);
    }
    return outcome(false, "version " + version + "'s " + metric + " (" + holder + ") is at least as good as the best"
        + " candidate's (" + challenger + ")", champion);
  }

  private Future<JsonObject> unscored(Throwable failure, String alias, int version) {
    McpException error = McpException.wrap(failure);
    if (step.cancelled() || !UNSCORABLE.contains(error.code())) {
      return Future.failedFuture(failure);
    }
    return Future.succeededFuture(outcome(true, "version " + version + ", which '" + alias + "' pointed to, could not"
        + " be scored: " + error.getMessage(), new JsonObject().put("version", version).put("error", error.getMessage())));
  }

  private static JsonObject outcome(boolean moved, String reason, JsonObject champion) {
    JsonObject outcome = new JsonObject().put("alias_moved", moved).put("alias_reason", reason);
    return champion == null ? outcome : outcome.put("champion", champion);
  }
}
