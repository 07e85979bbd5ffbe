package io.mlplatform.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Set;
import java.util.TreeSet;

/** {@code mlp deployments}: model versions served as prediction endpoints. */
@Command(name = "deployments", description = "Deployments: create, scale, wait until ready, predict.")
final class DeploymentsCommand extends Group {
  @Command(name = "list", description = "Deployments with their status.")
  void list(@Option(names = "--limit", paramLabel = "LIMIT", defaultValue = "50") int limit,
            @Option(names = "--offset", paramLabel = "OFFSET", defaultValue = "0") int offset) {
    output().page(platform().get("/api/deployments" + Platform.query("limit", limit, "offset", offset)),
        "name", "model", "version", "replicas", "status", "updated_at");
  }

  @Command(name = "get", description = "A deployment: status, and each replica's node, version, status, reason.")
  void get(@Parameters(paramLabel = "NAME") String name) {
    output().object(fetch(name));
  }

  @Command(name = "create", description = "Deploys a model's version (a number, an alias it follows when it "
      + "moves, or latest); its replicas load in the background (see --wait).")
  void create(@Parameters(paramLabel = "NAME") String name,
              @Option(names = "--model", paramLabel = "MODEL", required = true) String model,
              @Option(names = "--version", paramLabel = "VERSION", description = "default: latest") String version,
              @Option(names = "--replicas", paramLabel = "REPLICAS") Integer replicas,
              @Option(names = "--wait", description = "wait until every replica serves") boolean wait,
              @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "120", description = "seconds --wait waits (${DEFAULT-VALUE})")
              double timeout) {
    ObjectNode body = present(Platform.object(), "name", name, "model", model,
        "version", version == null ? null : version(version), "replicas", replicas);
    JsonNode created = platform().call("POST", "/api/deployments", body);
    output().object(wait ? ready(name, timeout) : created);
  }

  @Command(name = "scale", description = "Sets the number of replicas (per traffic lane).")
  void scale(@Parameters(paramLabel = "NAME") String name, @Parameters(paramLabel = "REPLICAS") int replicas) {
    output().object(platform().call("PATCH", Platform.path("api", "deployments", name),
        Platform.object().put("replicas", replicas)));
  }

  @Command(name = "delete", description = "Deletes a deployment; its replicas unload.")
  void delete(@Parameters(paramLabel = "NAME") String name) {
    platform().delete(Platform.path("api", "deployments", name));
    output().said("deleted deployment " + name);
  }

  @Command(name = "wait", description = "Waits until every replica serves (exit 1 when all failed, 4 on timeout).")
  void waitReady(@Parameters(paramLabel = "NAME") String name,
                 @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "120", description = "seconds (${DEFAULT-VALUE}; 0: "
                     + "for ever)") double timeout) {
    output().object(ready(name, timeout));
  }

  /** Rows to predict: inline JSON or a file ("-": standard input). */
  static final class Rows {
    @Option(names = "--rows", paramLabel = "JSON", description = "e.g. '[[0.5, 1.2, 3.4, 0.1]]', or objects keyed "
        + "by input name", required = true)
    String inline;
    @Option(names = "--file", paramLabel = "FILE", description = "rows as JSON ('-': standard input)", required = true)
    String file;
  }

  @Command(name = "predict", description = "Predictions for rows: one object of outputs per row.")
  void predict(@Parameters(paramLabel = "NAME") String name,
               @ArgGroup(multiplicity = "1") Rows rows) {
    JsonNode given = rows.inline != null ? json("--rows", rows.inline)
        : json("--file", rows.file.equals("-") ? "-" : "@" + rows.file);
    JsonNode body = given.isObject() && given.has("inputs") ? given : Platform.object().set("inputs", given);
    JsonNode answer = platform().call("POST", Platform.path("api", "deployments", name, "predict"), body);
    if (output().json()) {
      output().raw(answer);
      return;
    }
    output().said("model " + answer.path("model").asText() + " version " + answer.path("version").asText());
    ArrayNode outputs = Platform.JSON.createArrayNode();
    answer.path("outputs").forEach(row -> outputs.add(row.isObject() ? row : Platform.object().set("output", row)));
    output().table(outputs);
  }

  private JsonNode fetch(String name) {
    return platform().get(Platform.path("api", "deployments", name));
  }

  /** Polls until every replica the deployment asks for serves, showing how many do. */
  private JsonNode ready(String name, double timeout) {
    Progress progress = Progress.ofFraction(err(), "deployment " + name);
    try {
      JsonNode ready = Waiting.until(() -> fetch(name), deployment -> {
        if ("failed".equals(deployment.path("status").asText())) {
          Set<String> reasons = new TreeSet<>();
          deployment.path("replica_status").forEach(r -> reasons.add(r.path("reason").asText()));
          progress.finish("failed");
          throw CliFailure.ended("failed", "deployment " + name + " failed: " + String.join("; ", reasons));
        }
        return "ready".equals(deployment.path("status").asText()) && serving(deployment) >= wanted(deployment);
      }, timeout, "deployment " + name, deployment -> progress.update(
          Math.min(1, serving(deployment) / (double) wanted(deployment)), deployment.path("status").asText()));
      progress.finish("ready");
      return ready;
    } catch (CliFailure e) {
      progress.finish("stopped waiting");
      throw e;
    }
  }

  private static int serving(JsonNode deployment) {
    int ready = 0;
    for (JsonNode replica : deployment.path("replica_status")) {
      ready += "ready".equals(replica.path("status").asText()) ? 1 : 0;
    }
    return ready;
  }

  private static int wanted(JsonNode deployment) {
    int lanes = deployment.path("traffic").isArray() ? Math.max(1, deployment.path("traffic").size()) : 1;
    return Math.max(1, deployment.path("replicas").asInt(1)) * lanes;
  }
}
