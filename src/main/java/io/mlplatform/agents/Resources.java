package io.mlplatform.agents;

import io.mlplatform.workflow.PlatformCalls;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The platform's things as {@code mlplatform://} resources: four lists (models, datasets, deployments, workflow runs)
 * that name each item's URI, and templates for a model, a model version, a dataset, a dataset version's first rows,
 * an execution and a workflow run. Each reads as a short Markdown summary for a person or a model to skim, and the
 * whole JSON.
 */
final class Resources {
  static final String SCHEME = "mlplatform://";
  private static final String NAME = "([A-Za-z0-9][A-Za-z0-9._-]{0,127})";
  private static final String VERSION = "([A-Za-z0-9][A-Za-z0-9_-]{0,63})";
  private static final String ID = "([0-9a-f-]{36})";
  private static final int LIST_LIMIT = 100;
  private static final int PREVIEW_ROWS = 20;

  /** A fixed resource or a template: how clients see it and how it is read. */
  record Resource(String uri, String name, String title, String description, boolean template,
                  BiFunction<PlatformCalls, String, Future<JsonObject>> read) {
  }

  List<Resource> all() {
    return List.of(
        list("models", "Models", "Every registered model with its latest version and aliases", "model.list",
            item -> SCHEME + "models/" + item.getString("name")),
        list("datasets", "Datasets", "Every dataset with its latest version", "dataset.list",
            item -> SCHEME + "datasets/" + item.getString("name")),
        list("deployments", "Deployments", "Every prediction endpoint with its model, version and status",
            "deployment.list", item -> null),
        list("workflow-runs", "Workflow runs", "The latest workflow runs and their status", "workflow.run.list",
            item -> SCHEME + "runs/" + item.getString("id")),
        template("models/{name}", "Model", "A model: description, tags, latest version, aliases",
            Pattern.compile("models/" + NAME), (calls, m) -> calls.operation("model.get", named(m))),
        template("models/{name}/versions/{version}", "Model version",
            "A model version (number or alias): format, signature, metrics, params, lineage",
            Pattern.compile("models/" + NAME + "/versions/" + VERSION),
            (calls, m) -> calls.operation("model.version.get", named(m).put("version", m.group(2)))),
        template("datasets/{name}", "Dataset", "A dataset and its versions",
            Pattern.compile("datasets/" + NAME), (calls, m) -> calls.operation("dataset.get", named(m))),
        template("datasets/{name}/versions/{version}/preview", "Dataset preview",
            "The schema and first " + PREVIEW_ROWS + " rows of a dataset version",
            Pattern.compile("datasets/" + NAME + "/versions/" + VERSION + "/preview"),
            (calls, m) -> calls.operation("dataset.version.preview", named(m).put("version", m.group(2))
                .put("limit", PREVIEW_ROWS))),
        template("executions/{id}", "Execution", "An execution: status, progress, result or error",
            Pattern.compile("executions/" + ID), (calls, m) -> calls.operation("execution.get", id(m))),
        template("runs/{id}", "Workflow run", "A workflow run: status, each step, output or error",
            Pattern.compile("runs/" + ID), (calls, m) -> calls.operation("workflow.run.get", id(m))));
  }

  private static Resource list(String path, String title, String description, String operation,
                               java.util.function.Function<JsonObject, String> uriOf) {
    return new Resource(SCHEME + path, path, title, description, false, (calls, uri) ->
        calls.operation(operation, new JsonObject().put("limit", LIST_LIMIT)).map(page -> {
          JsonArray items = page.getJsonArray("items", new JsonArray());
          for (int i = 0; i < items.size(); i++) {
            String itemUri = uriOf.apply(items.getJsonObject(i));
            if (itemUri != null) {
              items.getJsonObject(i).put("uri", itemUri);
            }
          }
          return page;
        }));
  }

  private static Resource template(String path, String title, String description, Pattern pattern,
                                   BiFunction<PlatformCalls, Matcher, Future<JsonObject>> read) {
    return new Resource(SCHEME + path, title.toLowerCase(java.util.Locale.ROOT).replace(' ', '-'), title, description,
        true, (calls, uri) -> {
          Matcher matcher = pattern.matcher(uri.startsWith(SCHEME) ? uri.substring(SCHEME.length()) : "");
          if (!matcher.matches()) {
            return Future.failedFuture(io.mlplatform.mcp.McpException.notFound("no resource " + uri));
          }
          return read.apply(calls, matcher);
        });
  }

  private static JsonObject named(Matcher matcher) {
    return new JsonObject().put("name", matcher.group(1));
  }

  private static JsonObject id(Matcher matcher) {
    return new JsonObject().put("id", matcher.group(1));
  }

  /**
   * A Markdown summary of a JSON object: its plain fields as a list, each list by its size (a page's items by a line
   * each), nested objects by their keys.
   */
  static String summary(String title, JsonObject json) {
    StringBuilder text = new StringBuilder("# ").append(title).append("\n\n");
    for (Map.Entry<String, Object> field : json) {
      Object value = field.getValue();
      if (value instanceof JsonArray array && "items".equals(field.getKey())) {
        for (Object item : array) {
          text.append("- ").append(item instanceof JsonObject object ? line(object) : String.valueOf(item)).append('\n');
        }
      } else if (value instanceof JsonArray array) {
        text.append("- **").append(field.getKey()).append("**: ").append(array.size()).append(" item")
            .append(array.size() == 1 ? "" : "s").append('\n');
      } else if (value instanceof JsonObject object) {
        text.append("- **").append(field.getKey()).append("**: ")
            .append(object.isEmpty() ? "none" : String.join(", ", object.fieldNames())).append('\n');
      } else if (value != null) {
        text.append("- **").append(field.getKey()).append("**: ").append(value).append('\n');
      }
    }
    return text.toString();
  }

  /** One line for an item of a list: its name or id, then its other plain fields. */
  private static String line(JsonObject item) {
    StringBuilder line = new StringBuilder();
    Object head = item.getValue("name", item.getValue("id"));
    line.append("**").append(head).append("**");
    for (Map.Entry<String, Object> field : item) {
      Object value = field.getValue();
      if (value != null && !(value instanceof JsonObject) && !(value instanceof JsonArray)
          && !field.getKey().equals("name") && !field.getKey().equals("_id") && !field.getKey().equals("description")
          && value != head) {
        line.append(" · ").append(field.getKey()).append(": ").append(value);
      }
    }
    return line.toString();
  }
}
