package io.mlplatform.support;

import io.mlplatform.Main;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A platform node in a JVM of its own ({@code java … io.mlplatform.Main} on this test's class path), so that a test
 * can kill it (SIGKILL: no shutdown hook runs) or freeze it (SIGSTOP) the way an operator's machine would.
 */
public final class NodeProcess implements AutoCloseable {
  private static final Pattern READY = Pattern.compile(
      "mlplatform ready at (?:http://localhost:(\\d+)/|\\(no gateway role[^)]*\\)).*\\(node ([^,]+),.*");

  private final Process process;
  private final String nodeId;
  private final int httpPort;

  private NodeProcess(Process process, String nodeId, int httpPort) {
    this.process = process;
    this.nodeId = nodeId;
    this.httpPort = httpPort;
  }

  /** Starts a node with these settings (environment variable names) and returns once it serves. */
  public static NodeProcess start(Path dataDir, Map<String, String> settings) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx1g", "-XX:+ExitOnOutOfMemoryError"));
    for (String argument : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (argument.startsWith("--add-") || argument.startsWith("-Dio.netty")) {
        command.add(argument);
      }
    }
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("MLP_DATA_DIR", dataDir.toString());
    builder.environment().put("MLP_HTTP_PORT", "0");
    builder.environment().putAll(settings);
    Process process = builder.start();
    CompletableFuture<Matcher> ready = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8))) {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          Matcher matcher = READY.matcher(line);
          if (matcher.matches()) {
            ready.complete(matcher);
          }
        }
        ready.completeExceptionally(new IllegalStateException("the node exited before it was ready"));
      } catch (Exception e) {
        ready.completeExceptionally(e);
      }
    }, "node-process-output");
    reader.setDaemon(true);
    reader.start();
    try {
      Matcher matcher = ready.get(90, TimeUnit.SECONDS);
      return new NodeProcess(process, matcher.group(2), matcher.group(1) == null ? -1 : Integer.parseInt(matcher.group(1)));
    } catch (Exception e) {
      process.destroyForcibly();
      throw e;
    }
  }

  public String nodeId() {
    return nodeId;
  }

  /** The gateway's HTTP port, or -1 without the gateway role. */
  public int httpPort() {
    return httpPort;
  }

  /** SIGKILL, and waits until the process is gone. */
  public void kill() throws Exception {
    process.destroyForcibly();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      throw new IllegalStateException("node " + nodeId + " did not die");
    }
  }

  /** SIGSTOP: the process freezes with its sockets open, as a machine that stalls. */
  public void pause() throws Exception {
    signal("STOP");
  }

  /** SIGCONT after {@link #pause()}. */
  public void resume() throws Exception {
    signal("CONT");
  }

  private void signal(String name) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
    }
  }

  @Override
  public void close() throws Exception {
    if (process.isAlive()) {
      signal("CONT");
      kill();
    }
  }
}
