package io.mlplatform.agents;

import io.mlplatform.workflow.PlatformCalls;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Prompts a desktop client offers its user as commands (train and deploy a model from a dataset, review a model's
 * versions), and the completion of their arguments and of the resource templates' names from what is registered.
 */
final class Prompts {
  private static final int MAX_COMPLETIONS = 100;

  /** A prompt: its arguments (name → description, all required but {@code optional}) and its text. */
  record Prompt(String name, String title, String description, Map<String, String> arguments, List<String> optional,
                Map<String, String> completedBy, Function<Map<String, String>, String> text) {
  }

  List<Prompt> all() {
    return List.of(
        new Prompt("train_and_deploy", "Train and deploy a model", "Train a model on a dataset, check its metrics,"
            + " deploy it and try a prediction", ordered("dataset", "the dataset to learn from", "label",
                "the column to predict", "deployment", "the endpoint's name (default: <dataset>-model)"),
            List.of("deployment"), Map.of("dataset", "dataset.list"), args -> {
              String dataset = args.get("dataset");
              String deployment = args.getOrDefault("deployment", dataset + "-model");
              return "Using the mlplatform tools: call get_dataset for '" + dataset + "' and look at its columns"
                  + " and first rows. Train a model named '" + dataset + "-model' with start_training (label '"
                  + args.get("label") + "'; pick the algorithm from the label's type: a classifier for a category or"
                  + " a 0/1 column, a regressor for a number; leave out identifier columns with exclude), then call"
                  + " get_execution with wait_seconds until it has ended. If it failed, read get_execution_logs and"
                  + " fix the request. Report the metrics, then create_deployment '" + deployment + "' for the new"
                  + " version, call get_deployment until its status is ready, and predict the first rows of the"
                  + " dataset (keyed by the inputs in get_model_version's serving signature). Show me the"
                  + " predictions next to the real labels.";
            }),
        new Prompt("review_model", "Review a model", "Compare a model's versions and say which should serve",
            ordered("model", "the model to review"), List.of(), Map.of("model", "model.list"), args ->
                "Using the mlplatform tools: get_model '" + args.get("model") + "' and list_model_versions. Compare"
                + " the versions' metrics and the datasets they were trained on (source), say which aliases point"
                + " where, and recommend which version should serve, and why. Do not change anything."));
  }

  /** Up to {@link #MAX_COMPLETIONS} names that start with {@code prefix}, from a list operation's search. */
  static Future<List<String>> names(PlatformCalls calls, String listOperation, String prefix) {
    String typed = prefix == null ? "" : prefix;
    JsonObject query = new JsonObject().put("limit", MAX_COMPLETIONS);
    if (!typed.isEmpty()) {
      query.put("search", typed);
    }
    return calls.operation(listOperation, query).map(page -> page.getJsonArray("items", new JsonArray()).stream()
        .map(item -> ((JsonObject) item).getString("name"))
        .filter(name -> name != null && name.toLowerCase(Locale.ROOT).startsWith(typed.toLowerCase(Locale.ROOT)))
        .toList());
  }

  private static Map<String, String> ordered(String... pairs) {
    Map<String, String> map = new java.util.LinkedHashMap<>();
    for (int i = 0; i < pairs.length; i += 2) {
      map.put(pairs[i], pairs[i + 1]);
    }
    return map;
  }
}
