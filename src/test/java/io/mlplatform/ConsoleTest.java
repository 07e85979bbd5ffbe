package io.mlplatform;

import io.mlplatform.support.FromNode;
import io.mlplatform.support.NodeSettings;
import io.mlplatform.support.SharedNode;
import io.mlplatform.support.TestModels;
import io.mlplatform.support.TestNodes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The web console end to end: the built console is served at /, and in headless Chromium driven by playwright-core
 * (console/e2e/console.mjs) a user uploads a dataset and a model version, deploys it and predicts, starts an execution
 * and watches it finish, installs the workflow examples, starts a workflow run from its form and watches its steps
 * succeed, and sees the API's own message when it refuses a form. On a second node that requires API keys
 * (console/e2e/access.mjs) the console asks for a key, an admin creates a viewer's key on the Access page, and the
 * viewer reads but is refused a change. Screenshots of every page land in target/console-screenshots.
 */
@Tag("slow")
@ExtendWith(SharedNode.class)
@NodeSettings("MLP_SPARK_MASTER=local[2]")
@DisplayName("The web console, clicked through in a real browser")
class ConsoleTest {
  private static final Path CONSOLE = Path.of("console");
  private static final Path SCREENSHOTS = Path.of("target", "console-screenshots");
  private static final long SCRIPT_TIMEOUT_SECONDS = 150;

  @TempDir
  static Path dir;
  @FromNode static Node node;

  @BeforeAll
  static void start() throws Exception {
    String chromium = System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium");
    if (!Files.isExecutable(Path.of(chromium))) {
      fail("Chromium is missing at " + chromium + ": install Debian's package (apt-get install -y chromium; .ci/run does)"
          + " or point CHROMIUM at a Chromium binary");
    }
    if (!Files.isDirectory(CONSOLE.resolve("node_modules/playwright-core"))) {
      fail("console/node_modules is missing: the Maven build runs npm ci in console/ (generate-resources)");
    }
    Files.createDirectories(SCREENSHOTS);
    try (var old = Files.list(SCREENSHOTS)) {
      // only the last run's pictures stay
      for (Path file : old.filter(f -> f.toString().endsWith(".png")).toList()) {
        Files.delete(file);
      }
    }
  }

  @Test
  @DisplayName("the built console is served at /: its page is asked for again each time, its hashed assets are kept")
  void console() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + "/"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).contains("<div id=\"app\">");
    assertThat(page.headers().firstValue("cache-control")).isEmpty();
    java.util.regex.Matcher script = java.util.regex.Pattern.compile("/assets/[^\"]+\\.js").matcher(page.body());
    assertThat(script.find()).as(page.body()).isTrue();
    HttpResponse<String> asset = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort()
        + script.group())).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(asset.statusCode()).isEqualTo(200);
    assertThat(asset.headers().firstValue("cache-control")).hasValueSatisfying(v -> assertThat(v).contains("immutable"));
  }

  @Test
  @DisplayName("upload, deploy, predict, run an execution and a workflow live and read a refusal, by clicking")
  void clickThrough() throws Exception {
    Path fixtures = Files.createDirectories(dir.resolve("fixtures"));
    writeFixtures(fixtures);
    runScript(Map.of(), "e2e/console.mjs", "http://127.0.0.1:" + node.httpPort(),
        fixtures.toAbsolutePath().toString(), SCREENSHOTS.toAbsolutePath().toString());
  }

  @Test
  @DisplayName("where keys are required it asks for one; an admin creates a viewer's key, and the viewer is refused a change")
  void signInAndKeys() throws Exception {
    String adminKey = "console-admin-" + Long.toHexString(System.nanoTime());
    try (Node keyed = TestNodes.start(dir.resolve("keyed"), Map.of("MLP_AUTH_REQUIRED", "true", "MLP_ADMIN_KEY", adminKey))) {
      runScript(Map.of("MLP_ADMIN_KEY", adminKey), "e2e/access.mjs", "http://127.0.0.1:" + keyed.httpPort(),
          SCREENSHOTS.toAbsolutePath().toString());
    }
  }

  /** Runs {@code node <script> <arguments>} in console/, its output in the test's, and fails unless it exits 0. */
  private static void runScript(Map<String, String> environment, String script, String... arguments) throws Exception {
    List<String> command = new ArrayList<>(List.of("node", script));
    command.addAll(List.of(arguments));
    Process process;
    try {
      ProcessBuilder builder = new ProcessBuilder(command).directory(CONSOLE.toFile()).redirectErrorStream(true);
      builder.environment().putAll(environment);
      process = builder.start();
      process.getOutputStream().close();
    } catch (IOException e) {
      throw new AssertionError("cannot run node (Node.js 20+ is needed to build and test the console)", e);
    }
    Thread output = new Thread(() -> {
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        lines.lines().forEach(line -> System.out.println("[" + script + "] " + line));
      } catch (IOException e) {
        // the script ended
      }
    });
    output.start();
    if (!process.waitFor(SCRIPT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      fail(script + " took more than " + SCRIPT_TIMEOUT_SECONDS + " s");
    }
    output.join(5000);
    assertThat(process.exitValue()).as("exit code of console/" + script + " (its output is above)").isZero();
  }

  private static void writeFixtures(Path fixtures) throws Exception {
    StringBuilder csv = new StringBuilder("id,amount,visits,city,churned\n");
    java.util.Random random = new java.util.Random(5);
    for (int i = 1; i <= 400; i++) {
      double amount = Math.round(random.nextDouble() * 20000) / 100.0;
      int visits = random.nextInt(30);
      csv.append(i).append(',').append(amount).append(',').append(visits).append(',')
          .append(new String[]{"Lyon", "Paris", "Nantes", "Lille"}[i % 4]).append(',')
          .append(amount < 40 && visits < 10 ? 1 : 0).append('\n');
    }
    Files.writeString(fixtures.resolve("customers.csv"), csv);
    Files.write(fixtures.resolve("churn.onnx"), TestModels.onnxClassifier(fixtures));
    Files.writeString(fixtures.resolve("not-a-model.onnx"), "this is not an ONNX graph");
  }
}
