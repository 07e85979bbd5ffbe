package io.mlplatform.clients;

import io.mlplatform.Node;
import io.mlplatform.support.Api;
import io.mlplatform.support.FromNode;
import io.mlplatform.support.NodeSettings;
import io.mlplatform.support.SharedNode;
import io.mlplatform.support.TestModels;
import io.mlplatform.support.TestNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

@Tag("slow")
@ExtendWith(SharedNode.class)
// one execution at a time: the Python tests cancel one that waits in the queue
@NodeSettings({"MLP_ANONYMOUS_ROLES=viewer", "MLP_EXECUTION_CONCURRENCY=1"})
@DisplayName("The Python client (clients/python): its unittest suite passes against a real node")
class PythonClientTest {
  private static final Path CLIENT = Path.of("clients", "python");
  private static final long TIMEOUT_SECONDS = 240;

  @TempDir
  static Path dir;
  @FromNode static Node node;
  static String editorKey;
  static String viewerKey;

  @BeforeAll
  static void start(TestNode own) {
    Api admin = own.admin();
    editorKey = admin.createKey("notebook", "editor");
    viewerKey = admin.createKey("reader", "viewer");
  }

  @Test
  @DisplayName("every method's happy path and a refusal each, the first session, streamed transfers, progress output")
  void unittestSuite() throws Exception {
    Path onnx = Files.write(dir.resolve("classifier.onnx"), TestModels.onnxClassifier(dir));
    Path pmml = Files.write(dir.resolve("regression.pmml"), TestModels.pmmlRegression());
    List<String> command = List.of("python3", "-m", "unittest", "discover", "-s", CLIENT.resolve("tests").toString(),
        "-v");
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(Map.of(
        "MLP_URL", "http://127.0.0.1:" + node.httpPort(),
        "MLP_API_KEY", editorKey,
        "MLP_VIEWER_KEY", viewerKey,
        "MLP_TEST_ONNX", onnx.toString(),
        "MLP_TEST_PMML", pmml.toString(),
        "TMPDIR", Files.createDirectories(dir.resolve("tmp")).toString(),
        "PYTHONDONTWRITEBYTECODE", "1"));
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      throw new AssertionError("cannot run python3 (Debian: apt-get install python3; .ci/run installs it)", e);
    }
    process.getOutputStream().close();
    List<String> output = Collections.synchronizedList(new ArrayList<>());
    Thread reader = new Thread(() -> {
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8))) {
        lines.lines().forEach(line -> {
          output.add(line);
          System.out.println("[python] " + line);
        });
      } catch (IOException e) {
        // the process ended
      }
    });
    reader.start();
    if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      reader.join(5000);
      fail("the Python tests took more than " + TIMEOUT_SECONDS + " s:\n" + String.join("\n", output));
    }
    reader.join(5000);
    assertThat(process.exitValue()).as("exit code of %s; its output:\n%s", String.join(" ", command),
        String.join("\n", output)).isZero();
    assertThat(output).as("the suite ran").anyMatch(line -> line.matches("Ran \\d+ tests in .*"));
  }
}
