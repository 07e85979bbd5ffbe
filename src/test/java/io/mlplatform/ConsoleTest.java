package io.mlplatform;

import io.mlplatform.support.TestModels;
import io.mlplatform.support.TestNodes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The web console end to end, in headless Chromium driven by playwright-core (console/e2e/console.mjs): a user
 * uploads a dataset and a model version, deploys it and predicts, starts an execution and watches it finish, installs
 * the workflow examples, starts a workflow run from its form and watches its steps succeed, and sees the API's own
 * message when it refuses a form. Screenshots of every page land in target/console-screenshots.
 */
@DisplayName("The web console, clicked through in a real browser")
class ConsoleTest {
  private static final Path CONSOLE = Path.of("console");
  private static final long SCRIPT_TIMEOUT_SECONDS = 150;

  @TempDir
  static Path dir;
  static Node node;

  @BeforeAll
  static void start() throws Exception {
    node = TestNodes.start(dir.resolve("node"), Map.of("MLP_SPARK_MASTER", "local[2]"));
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  @DisplayName("upload, deploy, predict, run an execution and a workflow live and read a refusal, by clicking")
  void clickThrough() throws Exception {
    String chromium = System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium");
    if (!Files.isExecutable(Path.of(chromium))) {
      fail("Chromium is missing at " + chromium + ": install Debian's package (apt-get install -y chromium; .ci/run does)"
          + " or point CHROMIUM at a Chromium binary");
    }
    if (!Files.isDirectory(CONSOLE.resolve("node_modules/playwright-core"))) {
      fail("console/node_modules is missing: the Maven build runs npm ci in console/ (generate-resources)");
    }
    Path fixtures = Files.createDirectories(dir.resolve("fixtures"));
    writeFixtures(fixtures);
    Path screenshots = Files.createDirectories(Path.of("target", "console-screenshots"));
    try (var old = Files.list(screenshots)) {
      // only the last run's pictures stay
      for (Path file : old.filter(f -> f.toString().endsWith(".png")).toList()) {
        Files.delete(file);
      }
    }

    Process script;
    try {
      script = new ProcessBuilder("node", "e2e/console.mjs", "http://127.0.0.1:" + node.httpPort(),
          fixtures.toAbsolutePath().toString(), screenshots.toAbsolutePath().toString())
          .directory(CONSOLE.toFile()).redirectErrorStream(true)
          .start();
      script.getOutputStream().close();
    } catch (java.io.IOException e) {
      throw new AssertionError("cannot run node (Node.js 20+ is needed to build and test the console)", e);
    }
    Thread output = new Thread(() -> {
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(script.getInputStream(), StandardCharsets.UTF_8))) {
        lines.lines().forEach(line -> System.out.println("[console e2e] " + line));
      } catch (java.io.IOException e) {
        // the script ended
      }
    });
    output.start();
    if (!script.waitFor(SCRIPT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      script.descendants().forEach(ProcessHandle::destroyForcibly);
      script.destroyForcibly();
      fail("the browser scenarios took more than " + SCRIPT_TIMEOUT_SECONDS + " s");
    }
    output.join(5000);
    assertThat(script.exitValue()).as("exit code of console/e2e/console.mjs (its output is above)").isZero();
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
