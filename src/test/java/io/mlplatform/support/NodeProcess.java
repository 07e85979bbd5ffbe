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

/** A node in a JVM of its own (`java … io.mlplatform.Main` on this test's class path), so that a test can kill -9 it. */
public final class NodeProcess {
  /** What the node prints once it serves: its node id and HTTP port (-1 without a gateway). */
  public record Ready(String nodeId, int httpPort) {
  }

  private final Process process;
  private final CompletableFuture<Ready> ready = new CompletableFuture<>();

  private NodeProcess(Process process) {
    this.process = process;
    Thread reader = new Thread(this::readOutput, "node-process-output");
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts a node with these settings (environment variable names), with this JVM's module options. */
  public static NodeProcess start(Map<String, String> settings) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx1g"));
    for (String argument : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (argument.startsWith("--add-") || argument.startsWith("-Dio.netty")) {
        command.add(argument);
      }
    }
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(settings);
    return new NodeProcess(builder.start());
  }

  /** Waits until the node serves. */
  public Ready awaitReady() throws Exception {
    return ready.get(60, TimeUnit.SECONDS);
  }

  /** SIGKILL on Linux: no shutdown hook runs, nothing is handed back or flushed. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      throw new IllegalStateException("the node process did not die");
    }
  }

  private void readOutput() {
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        if (line.startsWith("mlplatform ready")) {
          String port = line.matches("mlplatform ready at http://[^:]+:\\d+/.*")
              ? line.replaceAll("mlplatform ready at http://[^:]+:(\\d+)/.*", "$1") : "-1";
          ready.complete(new Ready(line.replaceAll(".*\\(node ([^,]+),.*", "$1"), Integer.parseInt(port)));
        }
      }
      ready.completeExceptionally(new IllegalStateException("the node exited before it was ready"));
    } catch (Exception e) {
      ready.completeExceptionally(e);
    }
  }
}
