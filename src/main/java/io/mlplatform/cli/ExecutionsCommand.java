package io.mlplatform.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

import java.util.List;
import java.util.Map;

/** {@code mlp executions}: Spark work on the platform's queue (train, batch_predict, transform, evaluate, monitor). */
@Command(name = "executions", description = "Executions: start, wait, logs, cancel, result.",
    subcommands = ExecutionsCommand.Start.class)
final class ExecutionsCommand extends Group {
  @Command(name = "list", description = "Executions, newest first.")
  void list(@Option(names = "--status", paramLabel = "queued|running|succeeded|failed|cancelled") String status,
            @Option(names = "--limit", paramLabel = "LIMIT", defaultValue = "50") int limit,
            @Option(names = "--offset", paramLabel = "OFFSET", defaultValue = "0") int offset) {
    output().page(platform().get("/api/executions" + Platform.query("status", status, "limit", limit, "offset",
        offset)), "id", "type", "status", "progress", "created_at", "ended_at");
  }

  @Command(name = "get", description = "An execution: status, progress, attempts, node, result or error, timings.")
  void get(@Parameters(paramLabel = "ID") String id) {
    output().object(fetch(id));
  }

  @Command(name = "logs", description = "An execution's log lines.")
  void logs(@Parameters(paramLabel = "ID") String id) {
    JsonNode logs = platform().get(Platform.path("api", "executions", id, "logs"));
    if (output().json()) {
      output().raw(logs);
      return;
    }
    StringBuilder text = new StringBuilder();
    logs.path("lines").forEach(line -> text.append(line.path("at").asText()).append("  ")
        .append(line.path("line").asText()).append('\n'));
    output().said(text.toString().stripTrailing());
  }

  @Command(name = "cancel", description = "Cancels a queued execution, or asks a running one to stop.")
  void cancel(@Parameters(paramLabel = "ID") String id) {
    output().object(platform().call("POST", Platform.path("api", "executions", id, "cancel"), null));
  }

  @Command(name = "wait", description = "Waits for the execution to end, its progress on standard error (exit 1 "
      + "when it failed or was cancelled, 4 on timeout).")
  void waitEnd(@Parameters(paramLabel = "ID") String id,
               @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "0", description = "seconds (0: for ever)") double timeout) {
    waitAndShow(id, timeout);
  }

  @Command(name = "result", description = "Downloads the file of the execution's first output (e.g. batch scores).")
  void result(@Parameters(paramLabel = "ID") String id,
              @Option(names = {"-o", "--output"}, paramLabel = "FILE",
                  description = "a file or directory (default: the served name here; - for standard output)")
              String destination) {
    downloadTo(destination, Platform.path("api", "executions", id, "result"),
        "download result of " + id.substring(0, Math.min(8, id.length())));
  }

  JsonNode fetch(String id) {
    return platform().get(Platform.path("api", "executions", id));
  }

  void waitAndShow(String id, double timeout) {
    waitToEnd(() -> fetch(id), "execution " + id.substring(0, Math.min(8, id.length())), timeout,
        execution -> execution.path("progress").asDouble(0));
  }

  /** Whether to wait for an execution just started, and how long. */
  static final class WaitOptions {
    @Option(names = "--wait", description = "wait for the execution to end, its progress on standard error")
    boolean wait;
    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "0",
        description = "how long --wait waits (0: for ever)")
    double timeout;
  }

  /** {@code mlp executions start}: one verb per type with its options, or the API's request as JSON. */
  @Command(name = "start", description = "Queues an execution: a type with its options, or REQUEST, the API's "
      + "JSON body ('{\"type\": \"train\", ...}', @file or -).")
  static final class Start extends Group implements Runnable {
    @ParentCommand
    ExecutionsCommand executions;
    @Parameters(paramLabel = "REQUEST", arity = "0..1")
    String request;
    @Mixin
    WaitOptions waiting;

    @Override
    public void run() {
      if (request == null) {
        throw new ParameterException(spec.commandLine(),
            "name a type (train, batch_predict, transform, evaluate, monitor) or give the request as JSON");
      }
      submit(json("REQUEST", request.startsWith("{") || request.equals("-") ? request : "@" + request), waiting);
    }

    @Command(name = "train", description = "Trains an algorithm on a dataset and registers the pipeline as a "
        + "version of --model (also served online through ONNX).")
    void train(@Option(names = "--dataset", paramLabel = "DATASET", required = true) String dataset,
               @Option(names = "--model", paramLabel = "MODEL", required = true) String model,
               @Option(names = "--label", paramLabel = "LABEL") String label,
               @Option(names = "--algorithm", paramLabel = "ALGORITHM", defaultValue = "logistic_regression",
                   description = "logistic_regression (default), linear_regression, random_forest_classifier|"
                       + "regressor, gbt_classifier|regressor, kmeans") String algorithm,
               @Option(names = "--features", paramLabel = "FEATURES", split = ",") List<String> features,
               @Option(names = "--exclude", paramLabel = "EXCLUDE", split = ",") List<String> exclude,
               @Option(names = "--dataset-version", paramLabel = "DATASET_VERSION") String version,
               @Option(names = "--scaling", paramLabel = "none|standard|minmax") String scaling,
               @Option(names = "--missing", paramLabel = "drop|mean|median|constant") String missing,
               @Option(names = "--fill-value", paramLabel = "FILL_VALUE") String fillValue,
               @Option(names = "--max-categories", paramLabel = "MAX_CATEGORIES") Integer maxCategories,
               @Option(names = "--validation-split", paramLabel = "VALIDATION_SPLIT") Double validationSplit,
               @Option(names = "--param", paramLabel = "KEY=VALUE") Map<String, String> params,
        @Mixin WaitOptions waiting) {
      submit(present(typed("train"), "dataset", dataset, "model", model, "label", label, "algorithm", algorithm,
          "features", features, "exclude", exclude, "version", versionOrNull(version), "scaling", scaling,
          "missing", missing, "fill_value", fillValue == null ? null : scalar(fillValue),
          "max_categories", maxCategories, "validation_split", validationSplit,
          "params", params == null ? null : pairs(params)), waiting);
    }

    @Command(name = "batch_predict", aliases = "batch-predict", description = "Scores a dataset with a model; the "
        + "results become the dataset --output.")
    void batchPredict(@Option(names = "--model", paramLabel = "MODEL", required = true) String model,
                      @Option(names = "--dataset", paramLabel = "DATASET", required = true) String dataset,
                      @Option(names = "--output", paramLabel = "OUTPUT", required = true) String output,
                      @Option(names = "--model-version", paramLabel = "MODEL_VERSION") String modelVersion,
                      @Option(names = "--dataset-version", paramLabel = "DATASET_VERSION") String version,
                      @Option(names = "--features", paramLabel = "FEATURES", split = ",") List<String> features,
                      @Option(names = "--output-format", paramLabel = "csv|parquet") String outputFormat,
        @Mixin WaitOptions waiting) {
      submit(present(typed("batch_predict"), "model", model, "dataset", dataset, "output", output,
          "model_version", versionOrNull(modelVersion), "version", versionOrNull(version), "features", features,
          "output_format", outputFormat), waiting);
    }

    @Command(name = "transform", description = "Transforms a dataset with Spark into the dataset --output "
        + "(with --split: <output>-train and <output>-test).")
    void transform(@Option(names = "--dataset", paramLabel = "DATASET", required = true) String dataset,
                   @Option(names = "--output", paramLabel = "OUTPUT", required = true) String output,
                   @Option(names = "--steps", paramLabel = "JSON", defaultValue = "[]",
                       description = "e.g. '[{\"filter\": \"amount > 10\"}, {\"select\": [\"id\", \"amount\"]}]'")
                   String steps,
                   @Option(names = "--split", paramLabel = "TRAIN", description = "the training share, e.g. 0.8")
                   Double split,
                   @Option(names = "--seed", paramLabel = "SEED") Long seed,
                   @Option(names = "--dataset-version", paramLabel = "DATASET_VERSION") String version,
                   @Option(names = "--output-format", paramLabel = "csv|parquet") String outputFormat,
        @Mixin WaitOptions waiting) {
      ObjectNode splitting = split == null ? null : present(Platform.object(), "train", split, "seed", seed);
      submit(present(typed("transform"), "dataset", dataset, "version", versionOrNull(version),
          "steps", json("--steps", steps), "split", splitting, "output", output, "output_format", outputFormat), waiting);
    }

    @Command(name = "evaluate", description = "Scores a labelled dataset; the metrics join the version's "
        + "evaluations.")
    void evaluate(@Option(names = "--model", paramLabel = "MODEL", required = true) String model,
                  @Option(names = "--dataset", paramLabel = "DATASET", required = true) String dataset,
                  @Option(names = "--model-version", paramLabel = "MODEL_VERSION") String modelVersion,
                  @Option(names = "--dataset-version", paramLabel = "DATASET_VERSION") String version,
                  @Option(names = "--label", paramLabel = "LABEL", description = "ONNX and PMML models") String label,
                  @Option(names = "--features", paramLabel = "FEATURES", split = ",") List<String> features,
                  @Option(names = "--prediction", paramLabel = "PREDICTION") String prediction,
                  @Option(names = "--task", paramLabel = "classification|regression") String task,
                  @Option(names = "--labels", paramLabel = "LABELS", split = ",") List<String> labels,
        @Mixin WaitOptions waiting) {
      submit(present(typed("evaluate"), "model", model, "dataset", dataset,
          "model_version", versionOrNull(modelVersion), "version", versionOrNull(version), "label", label,
          "features", features, "prediction", prediction, "task", task, "labels", labels), waiting);
    }

    @Command(name = "monitor", description = "A drift report of a deployment's logged predictions against the "
        + "data its model was trained on (or --baseline).")
    void monitor(@Option(names = "--deployment", paramLabel = "DEPLOYMENT", required = true) String deployment,
                 @Option(names = "--window-minutes", paramLabel = "WINDOW_MINUTES") Integer windowMinutes,
                 @Option(names = "--baseline", paramLabel = "DATASET") String baseline,
                 @Option(names = "--baseline-version", paramLabel = "BASELINE_VERSION") String baselineVersion,
                 @Option(names = "--features", paramLabel = "FEATURES", split = ",") List<String> features,
        @Mixin WaitOptions waiting) {
      ObjectNode against = baseline == null ? null
          : present(Platform.object(), "dataset", baseline, "version", versionOrNull(baselineVersion));
      submit(present(typed("monitor"), "deployment", deployment, "window_minutes", windowMinutes,
          "baseline", against, "features", features), waiting);
    }

    private static ObjectNode typed(String type) {
      return Platform.object().put("type", type);
    }

    private static JsonNode versionOrNull(String given) {
      return given == null ? null : version(given);
    }

    private void submit(JsonNode request, WaitOptions waiting) {
      JsonNode queued = platform().call("POST", "/api/executions", request);
      if (waiting.wait) {
        executions.waitAndShow(queued.path("id").asText(), waiting.timeout);
      } else {
        output().object(queued);
      }
    }
  }
}
