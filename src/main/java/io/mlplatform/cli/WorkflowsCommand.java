package io.mlplatform.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mlp workflows}: workflow definitions and their durable runs. */
@Command(name = "workflows", description = "Workflows and their runs.", subcommands = WorkflowsCommand.Runs.class)
final class WorkflowsCommand extends Group {
  @Command(name = "list", description = "Workflows by name.")
  void list(@Option(names = "--search", paramLabel = "SEARCH") String search,
            @Option(names = "--limit", paramLabel = "LIMIT", defaultValue = "50") int limit,
            @Option(names = "--offset", paramLabel = "OFFSET", defaultValue = "0") int offset) {
    output().page(platform().get("/api/workflows" + Platform.query("search", search, "limit", limit, "offset",
        offset)), "name", "latest_version", "version", "description", "updated_at");
  }

  @Command(name = "get", description = "A workflow with the definition of its latest (or --version) version.")
  void get(@Parameters(paramLabel = "NAME") String name, @Option(names = "--version", paramLabel = "VERSION") String version) {
    output().object(platform().get(Platform.path("api", "workflows", name) + Platform.query("version", version)));
  }

  @Command(name = "create", description = "Records a definition: a new workflow, or its next version (400 naming "
      + "the step that is wrong).")
  void create(@Parameters(paramLabel = "DEFINITION", description = "JSON: inline, @file or -") String definition) {
    output().object(platform().call("POST", "/api/workflows", json("DEFINITION", definition)));
  }

  /** {@code mlp workflows runs}: start, follow, cancel and list runs. */
  @Command(name = "runs", description = "Workflow runs: start, get, wait, cancel, list.")
  static final class Runs extends Group {
    @Command(name = "start", description = "Queues a run of the workflow's latest (or --version) version.")
    void start(@Parameters(paramLabel = "WORKFLOW") String workflow,
               @Option(names = "--input", paramLabel = "JSON", description = "the run's input object (@file, -)")
               String input,
               @Option(names = "--version", paramLabel = "VERSION") Integer version,
               @Option(names = "--wait", description = "wait for the run to end") boolean wait,
               @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "0", description = "seconds --wait waits (0: for ever)")
               double timeout) {
      JsonNode body = present(Platform.object(), "input", input == null ? null : json("--input", input),
          "version", version);
      JsonNode queued = platform().call("POST", Platform.path("api", "workflows", workflow, "runs"), body);
      if (wait) {
        waitAndShow(queued.path("id").asText(), timeout);
      } else {
        output().object(queued);
      }
    }

    @Command(name = "get", description = "A run: status, input, output or error, and each step's status.")
    void get(@Parameters(paramLabel = "ID") String id) {
      output().object(fetch(id));
    }

    @Command(name = "wait", description = "Waits for the run to end, the share of its steps done on standard error "
        + "(exit 1 when it failed or was cancelled, 4 on timeout).")
    void waitEnd(@Parameters(paramLabel = "ID") String id,
                 @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "0", description = "seconds (0: for ever)")
                 double timeout) {
      waitAndShow(id, timeout);
    }

    @Command(name = "cancel", description = "Cancels a run, or asks it to stop.")
    void cancel(@Parameters(paramLabel = "ID") String id) {
      output().object(platform().call("POST", Platform.path("api", "workflow-runs", id, "cancel"), null));
    }

    @Command(name = "list", description = "Runs, newest first.")
    void list(@Option(names = "--workflow", paramLabel = "WORKFLOW") String workflow,
              @Option(names = "--status", paramLabel = "queued|running|succeeded|failed|cancelled") String status,
              @Option(names = "--limit", paramLabel = "LIMIT", defaultValue = "50") int limit,
              @Option(names = "--offset", paramLabel = "OFFSET", defaultValue = "0") int offset) {
      output().page(platform().get("/api/workflow-runs" + Platform.query("workflow", workflow, "status", status,
          "limit", limit, "offset", offset)), "id", "workflow", "version", "status", "created_at", "ended_at");
    }

    private JsonNode fetch(String id) {
      return platform().get(Platform.path("api", "workflow-runs", id));
    }

    private void waitAndShow(String id, double timeout) {
      waitToEnd(() -> fetch(id), "run " + id.substring(0, Math.min(8, id.length())), timeout, Runs::stepsEnded);
    }

    /** The share of the run's steps that ended. */
    private static double stepsEnded(JsonNode run) {
      JsonNode steps = run.path("steps");
      if (steps.isEmpty()) {
        return 0;
      }
      int ended = 0;
      for (JsonNode step : steps) {
        String status = step.path("status").asText();
        ended += "pending".equals(status) || "running".equals(status) ? 0 : 1;
      }
      return ended / (double) steps.size();
    }
  }
}
