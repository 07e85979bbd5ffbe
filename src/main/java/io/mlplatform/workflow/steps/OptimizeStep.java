package io.mlplatform.workflow.steps;

import io.mlplatform.mcp.McpException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * {@code optimize} (the evaluator-optimizer pattern): trains candidates ({@code train} is a train execution's request;
 * {@code search} a {@code grid} {param: [values]} or {@code random} {param: {min, max, integer?}} with
 * {@code samples} and {@code seed}), evaluates each on {@code validation_dataset} (or on the training's own validation
 * split) and keeps the best by {@code metric} ({@code goal} max or min). At most {@code parallelism} candidates
 * train at once; the search stops at {@code budget} {candidates, seconds} or after {@code plateau} candidates in a row
 * without improvement. The algorithm's defaults are candidate 0 unless {@code "include_default": false}.
 *
 * <p>{@code alias} (e.g. champion) moves to the best candidate only if it beats the version the alias points to,
 * scored on the same validation dataset; a version that cannot be scored there loses the alias.
 * {@code "compare_with_alias": false} moves it without comparing. The output says what happened: {@code alias},
 * {@code alias_moved}, {@code alias_reason} and {@code champion} {version, value, metrics} (or {version, error}).
 * Each candidate's executions are saved as they start, so a run resumed on another hub waits for them.
 */
public final class OptimizeStep implements StepKind {
  private static final Set<String> GOALS = Set.of("max", "min");
  private static final Set<String> FLAGS = Set.of("include_default", "compare_with_alias");

  @Override
  public void check(JsonObject step, Check check) {
    if (!(step.getValue("train") instanceof JsonObject train)) {
      throw check.invalid("train", "must be a train execution's request {dataset, algorithm, features, label, model}");
    }
    for (String field : new String[]{"dataset", "algorithm", "features", "model"}) {
      if (train.getValue(field) == null) {
        throw check.invalid("train." + field, "is required");
      }
    }
    check.expressions(train, "train");
    if (!(step.getValue("search") instanceof JsonObject search)
        || !(search.getValue("grid") instanceof JsonObject || search.getValue("random") instanceof JsonObject)) {
      throw check.invalid("search", "must be {\"grid\": {param: [values]}} or {\"random\": {param: {min, max}},"
          + " \"samples\": n, \"seed\": s}");
    }
    candidates(step, check::invalid);
    if (!(step.getValue("metric") instanceof String)) {
      throw check.invalid("metric", "must name a metric (e.g. auc, accuracy, rmse)");
    }
    if (!GOALS.contains(step.getString("goal", "max"))) {
      throw check.invalid("goal", "must be max or min");
    }
    check.expressions(step.getValue("validation_dataset"), "validation_dataset");
    check.expressions(step.getValue("alias"), "alias");
    for (String flag : FLAGS) {
      if (step.containsKey(flag) && !(step.getValue(flag) instanceof Boolean)) {
        throw check.invalid(flag, "must be true or false");
      }
    }
    for (String field : new String[]{"parallelism", "plateau"}) {
      Object value = step.getValue(field);
      if (value != null && (!(value instanceof Integer n) || n < 1 || n > 64)) {
        throw check.invalid(field, "must be an integer between 1 and 64");
      }
    }
  }

  /** The candidates' params, in order: the defaults ({}), then the grid's product or the random samples. */
  private static List<JsonObject> candidates(JsonObject step, BiFunction<String, String, McpException> invalid) {
    JsonObject search = step.getJsonObject("search");
    List<JsonObject> candidates = new ArrayList<>();
    if (step.getBoolean("include_default", true)) {
      candidates.add(new JsonObject());
    }
    JsonObject grid = search.getJsonObject("grid");
    if (grid != null) {
      List<JsonObject> product = new ArrayList<>(List.of(new JsonObject()));
      for (Map.Entry<String, Object> param : grid) {
        if (!(param.getValue() instanceof JsonArray values) || values.isEmpty()
            || !values.stream().allMatch(v -> v instanceof Number)) {
          throw invalid.apply("search.grid." + param.getKey(), "must be a non-empty array of numbers");
        }
        List<JsonObject> next = new ArrayList<>();
        product.forEach(partial -> values.forEach(v -> next.add(partial.copy().put(param.getKey(), v))));
        product = next;
      }
      candidates.addAll(product);
    } else {
      JsonObject random = search.getJsonObject("random");
      Object samples = search.getValue("samples", 8);
      if (!(samples instanceof Integer n) || n < 1 || n > 1000) {
        throw invalid.apply("search.samples", "must be an integer between 1 and 1000");
      }
      Random generator = new Random(search.getLong("seed", 42L));
      for (int i = 0; i < (Integer) samples; i++) {
        JsonObject params = new JsonObject();
        for (Map.Entry<String, Object> param : random) {
          if (!(param.getValue() instanceof JsonObject range) || !(range.getValue("min") instanceof Number)
              || !(range.getValue("max") instanceof Number)) {
            throw invalid.apply("search.random." + param.getKey(), "must be {\"min\": number, \"max\": number, \"integer\"?: true}");
          }
          double min = range.getDouble("min");
          double value = min + generator.nextDouble() * (range.getDouble("max") - min);
          params.put(param.getKey(), range.getBoolean("integer", false) ? (Object) Math.round(value) : value);
        }
        candidates.add(params);
      }
    }
    JsonObject budget = step.getJsonObject("budget", new JsonObject());
    int limit = budget.getInteger("candidates", 100);
    return candidates.subList(0, Math.min(limit, candidates.size()));
  }

  @Override
  public Future<JsonObject> run(StepContext step) {
    return step.resolve(step.step().getJsonObject("train"), "train").compose(resolvedTrain ->
        step.resolve(step.step().getValue("validation_dataset"), "validation_dataset").compose(validation -> {
          JsonObject train = (JsonObject) resolvedTrain;
          List<JsonObject> candidates = candidates(step.step(), step::invalid);
          step.inputs(new JsonObject().put("train", train).put("validation_dataset", validation)
              .put("candidates", new JsonArray(new ArrayList<>(candidates))));
          return new Search(step, train, validation == null ? null : validation.toString(), candidates).start();
        }));
  }

  /**
   * Waits for the execution an earlier attempt of the step saved under {@code key} (a resumed run does not start it
   * again), else creates one and saves its id under that key as soon as it is queued. Completes once it succeeded.
   */
  static Future<JsonObject> execution(StepContext step, String key, JsonObject request) {
    String started = step.saved().getJsonObject("executions", new JsonObject()).getString(key);
    if (started != null) {
      return step.calls().awaitExecution(started, step::cancelled);
    }
    return step.calls().perform(new JsonObject().put("operation", "execution.create").put("inputs", request),
        id -> step.save(new JsonObject().put("executions." + key, id)), step::cancelled);
  }

  /** The search: candidates trained {@code parallelism} at a time until the budget or a plateau. */
  private static final class Search extends BoundedWork {
    private final StepContext step;
    private final JsonObject train;
    private final String validation;
    private final List<JsonObject> params;
    private final String metric;
    private final boolean maximize;
    private final int plateau;
    private final long deadline;
    private int sinceImprovement;
    private Double best;
    private String stopped = "exhausted";

    Search(StepContext step, JsonObject train, String validation, List<JsonObject> params) {
      super(params.size(), step.step().getInteger("parallelism", 2));
      this.step = step;
      this.train = train;
      this.validation = validation;
      this.params = params;
      JsonObject definition = step.step();
      this.metric = definition.getString("metric");
      this.maximize = "max".equals(definition.getString("goal", "max"));
      this.plateau = definition.getInteger("plateau", Integer.MAX_VALUE);
      long seconds = definition.getJsonObject("budget", new JsonObject()).getLong("seconds", 3600L);
      JsonObject saved = step.saved();
      long startedAt = saved.getLong("search_started_ms", System.currentTimeMillis());
      if (!saved.containsKey("search_started_ms")) {
        step.save(new JsonObject().put("search_started_ms", startedAt));
      }
      this.deadline = startedAt + seconds * 1000;
      JsonObject earlier = saved.getJsonObject("candidates", new JsonObject());
      for (String index : earlier.fieldNames()) {
        int i = Integer.parseInt(index);
        if (i < results.length) {
          results[i] = earlier.getJsonObject(index);
          record(results[i]);
        }
      }
    }

    @Override
    protected boolean mayStart() {
      if (sinceImprovement >= plateau) {
        stopped = "plateau";
        return false;
      }
      if (System.currentTimeMillis() > deadline) {
        stopped = "budget";
        return false;
      }
      if (step.cancelled()) {
        done.tryFail(new McpException(io.mlplatform.mcp.ErrorCode.CONFLICT, "cancelled by request"));
        return false;
      }
      return true;
    }

    /** A candidate that fails is recorded as failed; the search goes on. */
    @Override
    protected Future<JsonObject> run(int index) {
      return candidate(index).recover(failure -> Future.succeededFuture(new JsonObject().put("index", index)
          .put("params", params.get(index)).put("status", "failed").put("error", McpException.wrap(failure).getMessage())));
    }

    @Override
    protected void finished(int index, JsonObject result) {
      record(result);
      step.save(new JsonObject().put("candidates." + index, result)).onFailure(done::tryFail);
      step.progress(new JsonObject().put("done", finished()).put("total", results.length).put("best", best));
    }

    /** Trains one candidate, evaluates it, and completes with {index, params, version, metrics, value}. */
    private Future<JsonObject> candidate(int index) {
      JsonObject request = train.copy().put("type", "train")
          .put("params", train.getJsonObject("params", new JsonObject()).copy().mergeIn(params.get(index)));
      return execution(step, "train-" + index, request).compose(trained -> {
        JsonObject result = trained.getJsonObject("result");
        JsonObject out = new JsonObject().put("index", index).put("params", params.get(index))
            .put("model", result.getString("model")).put("version", result.getInteger("version"))
            .put("execution", trained.getString("id"));
        if (validation == null) {
          return Future.succeededFuture(scored(out, result.getJsonObject("metrics")));
        }
        JsonObject evaluate = new JsonObject().put("type", "evaluate").put("model", result.getString("model"))
            .put("model_version", result.getInteger("version")).put("dataset", validation);
        return execution(step, "evaluate-" + index, evaluate)
            .map(evaluated -> scored(out, evaluated.getJsonObject("result").getJsonObject("metrics")));
      });
    }

    private JsonObject scored(JsonObject candidate, JsonObject metrics) {
      Object value = metrics.getValue(metric);
      if (!(value instanceof Number)) {
        throw step.invalid("metric", "the candidates' metrics have no '" + metric + "' (metrics: " + metrics.fieldNames() + ")");
      }
      return candidate.put("status", "succeeded").put("metrics", metrics).put("value", ((Number) value).doubleValue());
    }

    private void record(JsonObject result) {
      Double value = result.getDouble("value");
      if (value != null && (best == null || (maximize ? value > best : value < best))) {
        best = value;
        sinceImprovement = 0;
      } else {
        sinceImprovement++;
      }
    }

    private int finished() {
      int n = 0;
      for (JsonObject result : results) {
        n += result == null ? 0 : 1;
      }
      return n;
    }

    @Override
    protected void complete() {
      JsonArray all = new JsonArray();
      JsonObject winner = null;
      for (JsonObject result : results) {
        if (result == null) {
          continue;
        }
        all.add(result);
        if (result.getDouble("value") != null && result.getDouble("value").equals(best) && winner == null) {
          winner = result;
        }
      }
      if (winner == null) {
        done.tryFail(step.invalid("search", "no candidate succeeded: " + (all.isEmpty() ? "none ran"
            : all.getJsonObject(0).getString("error"))));
        return;
      }
      boolean withDefault = step.step().getBoolean("include_default", true);
      JsonObject output = new JsonObject().put("metric", metric).put("goal", maximize ? "max" : "min")
          .put("best", winner).put("candidates", all).put("stopped", stopped);
      if (withDefault && results[0] != null && results[0].getDouble("value") != null) {
        double baseline = results[0].getDouble("value");
        output.put("default", results[0]).put("improved", maximize ? best > baseline : best < baseline);
      }
      JsonObject chosen = winner;
      step.resolve(step.step().getValue("alias"), "alias").compose(alias -> alias == null
          ? Future.succeededFuture(output)
          : new AliasChallenge(step, train, validation, metric, maximize).decide(alias.toString(), chosen, all)
          .compose(outcome -> {
            output.put("alias", alias.toString()).mergeIn(outcome);
            return outcome.getBoolean("alias_moved") ? step.calls().operation("model.alias.set", new JsonObject()
                .put("name", chosen.getString("model")).put("alias", alias.toString())
                .put("version", chosen.getInteger("version"))).map(output) : Future.succeededFuture(output);
          }))
          .onSuccess(done::tryComplete)
          .onFailure(done::tryFail);
    }
  }
}
