package io.mlplatform.cli;

import io.mlplatform.support.Api;
import io.mlplatform.support.FromNode;
import io.mlplatform.support.NodeSettings;
import io.mlplatform.support.SharedNode;
import io.mlplatform.support.TestModels;
import io.mlplatform.support.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("slow")
@ExtendWith(SharedNode.class)
// reading is open; changes need a key, so a refusal is one flag away
@NodeSettings("MLP_ANONYMOUS_ROLES=viewer")
@DisplayName("The command line: every verb group against a real node, with exit codes scripts can use")
class CommandLineTest {
  private static final Pattern ID = Pattern.compile("(?m)^id:\\s+([0-9a-f-]{36})$");

  @TempDir
  static Path dir;
  @FromNode(admin = true) static Api admin;
  static String url;
  static String editorKey;

  @BeforeAll
  static void start(TestNode own) {
    url = own.url();
    editorKey = admin.createKey("shell", "editor");
  }

  /** What a command printed and how it exited. */
  record Run(int exit, String out, String err) {
    JsonObject json() {
      return new JsonObject(out);
    }

    String id() {
      Matcher found = ID.matcher(out);
      assertThat(found.find()).as("an id in: %s", out).isTrue();
      return found.group(1);
    }
  }

  /** Runs the command line in-process as the editor. */
  static Run mlp(String... args) {
    List<String> all = new ArrayList<>(List.of("--api-key", editorKey));
    all.addAll(Arrays.asList(args));
    return anonymous(all.toArray(String[]::new));
  }

  /** Runs the command line in-process without a key (a viewer here). */
  static Run anonymous(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    List<String> all = new ArrayList<>(List.of("--url", url));
    all.addAll(Arrays.asList(args));
    int exit = Mlp.execute(new PrintWriter(out), new PrintWriter(err), all.toArray(String[]::new));
    return new Run(exit, out.toString(), err.toString());
  }

  static Run ok(String... args) {
    Run run = mlp(args);
    assertThat(run.exit()).as("mlp %s: %s %s", String.join(" ", args), run.out(), run.err()).isZero();
    return run;
  }

  static void refused(Run run, int exit, String code) {
    assertThat(run.exit()).as("%s %s", run.out(), run.err()).isEqualTo(exit);
    List<String> lines = run.err().lines().toList();
    assertThat(lines).as(run.err()).isNotEmpty();
    assertThat(lines.get(lines.size() - 1)).startsWith("error: " + code + ": "); // after any progress lines
  }

  /** Customers: numbers, strings and empty cells; churn follows usage and tenure. */
  static String customers(int rows) {
    Random random = new Random(5);
    StringBuilder csv = new StringBuilder("id,tenure,usage,plan,region,churned\n");
    String[] plans = {"basic", "plus", "pro"};
    for (int i = 0; i < rows; i++) {
      int tenure = random.nextInt(60);
      double usage = Math.round(random.nextDouble() * 1000) / 10.0;
      csv.append(i).append(',').append(tenure).append(',').append(i % 11 == 0 ? "" : usage).append(',')
          .append(plans[random.nextInt(3)]).append(',').append(i % 7 == 0 ? "" : i % 2 == 0 ? "north" : "south")
          .append(',').append(usage < 30 && tenure < 24 ? 1 : 0).append('\n');
    }
    return csv.toString();
  }

  @Test
  @DisplayName("the first session: model, ONNX version, dataset, deployment, prediction, training, batch scoring")
  void firstSession() throws Exception {
    Path onnx = dir.resolve("churn.onnx");
    Files.write(onnx, TestModels.onnxClassifier(dir));
    ok("models", "create", "churn", "--description", "Churn classifier", "--tag", "team=growth");
    Run uploaded = ok("models", "versions", "upload", "churn", onnx.toString(), "--metrics", "{\"auc\": 0.91}");
    assertThat(uploaded.out()).contains("format:").contains("onnx").containsPattern("(?m)^version:\\s+1$");
    ok("models", "alias", "set", "churn", "champion", "1");
    assertThat(ok("models", "versions", "get", "churn", "champion").out()).contains("champion").contains("0.91");

    Path csv = dir.resolve("customers.csv");
    Files.writeString(csv, customers(300));
    Run dataset = ok("datasets", "upload", "customers", csv.toString(), "--description", "customer churn");
    assertThat(dataset.out()).containsPattern("(?m)^row_count:\\s+300$");
    Run preview = ok("datasets", "preview", "customers", "--limit", "3");
    assertThat(preview.out().lines().findFirst().orElseThrow()).startsWith("ID").contains("PLAN", "REGION");
    assertThat(preview.out().lines()).hasSize(4);

    ok("deployments", "create", "churn-prod", "--model", "churn", "--version", "champion");
    Run ready = ok("deployments", "wait", "churn-prod", "--timeout", "60");
    assertThat(ready.out()).containsPattern("(?m)^status:\\s+ready$");
    assertThat(ready.err()).contains("deployment churn-prod: ready 100%");
    Run predicted = ok("deployments", "predict", "churn-prod", "--rows", "[[0.5, 1.2, 3.4, 0.1], [-1, -1, 0, 0]]");
    assertThat(predicted.out()).contains("model churn version 1");
    assertThat(predicted.out().lines()).hasSize(4); // the sentence, a header and two rows

    String training = ok("executions", "start", "train", "--dataset", "customers", "--model", "churn-spark",
        "--label", "churned", "--exclude", "id", "--missing", "mean", "--param", "maxIter=30").id();
    Run trained = ok("executions", "wait", training, "--timeout", "120");
    assertThat(trained.out()).containsPattern("(?m)^status:\\s+succeeded$");
    // the progress without a terminal: a line per status change or 10 %, the last with the time it took
    List<String> lines = trained.err().lines().toList();
    assertThat(lines).allMatch(line -> line.startsWith("execution " + training.substring(0, 8) + " (train): "));
    assertThat(lines.get(lines.size() - 1)).containsPattern("succeeded 100% in [0-9.]+s$");

    Run scoring = ok("executions", "start", "batch_predict", "--model", "churn-spark", "--dataset", "customers",
        "--output", "churn-scores", "--wait", "--timeout", "120");
    assertThat(scoring.out()).containsPattern("(?m)^status:\\s+succeeded$");
    Path scores = dir.resolve("scores.csv");
    Run downloaded = ok("executions", "result", scoring.id(), "-o", scores.toString());
    assertThat(downloaded.out()).contains("saved " + scores);
    List<String> rows = Files.readAllLines(scores);
    assertThat(rows).hasSize(301);
    assertThat(rows.get(0)).contains("prediction");
  }

  @Test
  @DisplayName("models: list, get, versions, download, alias delete, delete; a viewer's change and an unknown model refused")
  void models() throws Exception {
    Path onnx = dir.resolve("group.onnx");
    byte[] bytes = TestModels.onnxClassifier(dir);
    Files.write(onnx, bytes);
    ok("models", "create", "group-model");
    ok("models", "versions", "upload", "group-model", onnx.toString());
    ok("models", "alias", "set", "group-model", "staging", "1");
    assertThat(ok("models", "list", "--search", "group").out().lines().toList())
        .first().asString().startsWith("NAME");
    assertThat(ok("models", "get", "group-model").out()).containsPattern("(?m)^name:\\s+group-model$");
    assertThat(ok("models", "versions", "list", "group-model").out()).contains("onnx");
    Path artifact = dir.resolve("artifact.onnx");
    ok("models", "versions", "download", "group-model", "1", "-o", artifact.toString());
    assertThat(Files.readAllBytes(artifact)).isEqualTo(bytes);
    assertThat(ok("models", "alias", "delete", "group-model", "staging").out()).contains("removed alias staging");

    refused(anonymous("models", "create", "by-viewer"), 1, "unauthenticated");
    refused(mlp("models", "get", "no-such-model"), 1, "not_found");
    refused(mlp("models", "versions", "upload", "group-model", dir.resolve("model.bin").toString()), 2, "usage");
    assertThat(mlp("models", "frobnicate").exit()).isEqualTo(2);

    assertThat(ok("models", "delete", "group-model").out()).contains("deleted model group-model");
    refused(mlp("models", "get", "group-model"), 1, "not_found");
  }

  @Test
  @DisplayName("datasets: strings and empty cells upload and preview, a next version, download, delete; unknown refused")
  void datasets() throws Exception {
    Path csv = dir.resolve("people.csv");
    Files.writeString(csv, "name,age,city\nada,36,london\nalan,,\n\"grace, h\",85,new york\n");
    assertThat(ok("datasets", "upload", "people", csv.toString()).out()).containsPattern("(?m)^version:\\s+1$");
    assertThat(ok("datasets", "upload", "people", csv.toString()).out()).containsPattern("(?m)^version:\\s+2$");
    assertThat(ok("datasets", "list").out()).contains("people");
    assertThat(ok("datasets", "get", "people", "--version", "1").out()).containsPattern("(?m)^row_count:\\s+3$");
    List<String> preview = ok("datasets", "preview", "people").out().lines().toList();
    assertThat(preview).hasSize(4);
    assertThat(preview.get(0)).matches("NAME +AGE +CITY");
    assertThat(preview.get(2)).isEqualTo("alan"); // the empty cells print as nothing
    assertThat(preview.get(3)).contains("grace, h").contains("new york");
    Path copy = dir.resolve("copy.csv");
    ok("datasets", "download", "people", "--version", "1", "-o", copy.toString());
    assertThat(Files.readString(copy)).isEqualTo(Files.readString(csv));

    refused(mlp("datasets", "preview", "no-such-data"), 1, "not_found");
    refused(mlp("datasets", "upload", "people", dir.resolve("missing.csv").toString()), 2, "usage");
    assertThat(ok("datasets", "delete", "people").out()).contains("deleted dataset people");
    refused(mlp("datasets", "get", "people"), 1, "not_found");
  }

  @Test
  @DisplayName("deployments: list, get, scale, predict from a file, delete; a wait that times out is 4, unknown is 1")
  void deployments() throws Exception {
    Path onnx = dir.resolve("served.onnx");
    Files.write(onnx, TestModels.onnxClassifier(dir));
    ok("models", "create", "served");
    ok("models", "versions", "upload", "served", onnx.toString());
    ok("deployments", "create", "served-api", "--model", "served", "--version", "1");
    ok("deployments", "wait", "served-api", "--timeout", "60");
    assertThat(ok("deployments", "list").out()).contains("served-api");
    assertThat(ok("deployments", "scale", "served-api", "2").out()).containsPattern("(?m)^replicas:\\s+2$");
    Path rows = dir.resolve("rows.json");
    Files.writeString(rows, "{\"inputs\": [[1, 2, 3, 4]]}");
    Run predicted = ok("--json", "deployments", "predict", "served-api", "--file", rows.toString());
    assertThat(predicted.json().getJsonArray("outputs")).hasSize(1);
    assertThat(ok("deployments", "get", "served-api").out()).contains("replica_status");

    refused(mlp("deployments", "predict", "no-such-api", "--rows", "[[1]]"), 1, "not_found");
    assertThat(mlp("deployments", "predict", "served-api").exit()).as("rows are required").isEqualTo(2);
    ok("deployments", "delete", "served-api");
    refused(mlp("deployments", "get", "served-api"), 1, "not_found");
  }

  @Test
  @DisplayName("executions: a raw JSON request, a wait that times out (4), cancel, a wait on the cancelled one (1), "
      + "list, get, logs; bad requests refused")
  void executions() throws Exception {
    Files.writeString(dir.resolve("numbers.csv"), "a,b\n1,2\n3,4\n5,6\n");
    ok("datasets", "upload", "numbers", dir.resolve("numbers.csv").toString());
    String id = ok("executions", "start", "{\"type\": \"transform\", \"dataset\": \"numbers\", \"output\": "
        + "\"numbers-big\", \"steps\": [{\"filter\": \"a > 1\"}]}").id();
    // the node runs one execution at a time: a second one waits in the queue, where a cancel ends it at once (a
    // running one may still finish: the platform's cancel is a request)
    String waiting = ok("executions", "start", "{\"type\": \"transform\", \"dataset\": \"numbers\", \"output\": "
        + "\"numbers-small\", \"steps\": [{\"filter\": \"a < 5\"}]}").id();
    Run impatient = mlp("executions", "wait", id, "--timeout", "0.001");
    refused(impatient, 4, "timeout");
    assertThat(impatient.err()).contains("stopped waiting");
    ok("executions", "cancel", waiting);
    Run cancelled = mlp("executions", "wait", waiting, "--timeout", "60");
    refused(cancelled, 1, "cancelled");
    assertThat(cancelled.out()).containsPattern("(?m)^status:\\s+cancelled$");
    assertThat(ok("executions", "list", "--status", "cancelled").out()).contains(waiting);
    assertThat(ok("executions", "get", id).out()).containsPattern("(?m)^type:\\s+transform$");
    assertThat(ok("executions", "wait", id, "--timeout", "60").exit()).isZero();
    assertThat(ok("executions", "logs", id).exit()).isZero();
    refused(mlp("executions", "cancel", waiting), 1, "conflict");

    refused(mlp("executions", "get", "00000000-0000-0000-0000-000000000000"), 1, "not_found");
    refused(mlp("executions", "start", "train", "--dataset", "numbers", "--model", "m", "--label", "nope"), 1,
        "invalid_argument");
    assertThat(mlp("executions", "start", "train", "--dataset", "numbers").exit()).as("--model is required")
        .isEqualTo(2);
  }

  @Test
  @DisplayName("workflows: create, list, get, runs start --wait, list, get, wait; an unknown one refused")
  void workflows() {
    String definition = "{\"name\": \"describe\", \"steps\": [{\"id\": \"fetch\", \"kind\": \"call\", "
        + "\"operation\": \"model.list\", \"inputs\": {}}]}";
    ok("workflows", "create", definition);
    assertThat(ok("workflows", "list").out()).contains("describe");
    assertThat(ok("workflows", "get", "describe").out()).contains("definition");
    Run run = ok("workflows", "runs", "start", "describe", "--input", "{}", "--wait", "--timeout", "60");
    assertThat(run.out()).containsPattern("(?m)^status:\\s+succeeded$");
    assertThat(run.err()).contains("run ").contains("succeeded 100%");
    String id = run.id();
    assertThat(ok("workflows", "runs", "list", "--workflow", "describe").out()).contains(id);
    assertThat(ok("workflows", "runs", "get", id).out()).contains("succeeded");
    assertThat(ok("workflows", "runs", "wait", id).exit()).isZero();
    refused(mlp("workflows", "runs", "cancel", id), 1, "conflict");

    refused(mlp("workflows", "get", "no-such-flow"), 1, "not_found");
    refused(mlp("workflows", "runs", "start", "no-such-flow"), 1, "not_found");
  }

  @Test
  @DisplayName("--json prints the platform's JSON wherever it stands; whoami; an unreachable platform is 3")
  void jsonAndReachability() {
    ok("models", "create", "json-model", "--description", "for --json");
    JsonObject page = ok("models", "list", "--json").json();
    assertThat(page.getInteger("total")).isPositive();
    assertThat(page.getJsonArray("items").stream().map(m -> ((JsonObject) m).getString("name")))
        .contains("json-model");
    JsonObject model = ok("--json", "models", "get", "json-model").json();
    assertThat(model.getString("description")).isEqualTo("for --json");

    JsonObject me = ok("whoami", "--json").json();
    assertThat(me.getString("name")).isEqualTo("shell");
    assertThat(me.getJsonArray("roles")).isEqualTo(new JsonArray().add("editor"));
    assertThat(ok("whoami").out()).containsPattern("(?m)^name:\\s+shell$");
    refused(anonymous("--api-key", "mlp_not_a_key", "whoami"), 1, "unauthenticated");

    StringWriter err = new StringWriter();
    int exit = Mlp.execute(new PrintWriter(new StringWriter()), new PrintWriter(err), "models", "list",
        "--url", "http://127.0.0.1:1");
    refused(new Run(exit, "", err.toString()), 3, "unreachable");
  }

  @Test
  @DisplayName("an upload without a terminal reports a line per 10 %, and the download its own")
  void progressLines() throws Exception {
    Path big = dir.resolve("big.csv");
    StringBuilder csv = new StringBuilder("x,y,label\n");
    for (int i = 0; csv.length() < 6_000_000; i++) {
      csv.append(i).append(',').append(i * 0.5).append(',').append(i % 2 == 0 ? "even" : "odd").append('\n');
    }
    Files.writeString(big, csv);
    Run uploaded = ok("datasets", "upload", "big", big.toString());
    List<String> lines = uploaded.err().lines().toList();
    assertThat(lines).allMatch(line -> line.startsWith("upload big.csv: "));
    assertThat(lines.size()).isBetween(5, 12);
    assertThat(lines.get(lines.size() - 1)).containsPattern("100% \\(6\\.0 MB of 6\\.0 MB\\) in [0-9.]+s$");
    List<Integer> percents = lines.stream().map(l -> Integer.parseInt(l.replaceAll(".*: (\\d+)% .*", "$1")))
        .toList();
    assertThat(percents).isSorted();

    Path copy = dir.resolve("big-copy.csv");
    Run downloaded = ok("datasets", "download", "big", "-o", copy.toString());
    assertThat(downloaded.err().lines().toList()).last().asString().contains("download big version latest: 100%");
    assertThat(Files.size(copy)).isEqualTo(Files.size(big));
  }

  @Test
  @DisplayName("bin/mlp runs the command line as a process: --help, and models list against the node")
  void launcher() throws Exception {
    Process help = launch("--help");
    assertThat(new String(help.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
        .contains("Usage: mlp").contains("models").contains("executions");
    assertThat(help.waitFor(30, TimeUnit.SECONDS) && help.exitValue() == 0).isTrue();

    ok("models", "create", "launched");
    Process list = launch("--url", url, "models", "list", "--search", "launched");
    String out = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(list.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(list.exitValue()).as(out).isZero();
    assertThat(out.lines().toList()).hasSize(2).last().asString().startsWith("launched");

    Process unknown = launch("--url", url, "models", "get", "nothing-here");
    assertThat(new String(unknown.getErrorStream().readAllBytes(), StandardCharsets.UTF_8))
        .startsWith("error: not_found: ");
    assertThat(unknown.waitFor(30, TimeUnit.SECONDS) && unknown.exitValue() == 1).isTrue();
  }

  /**
   * bin/mlp as a process: on the built jar when it is newer than these classes, else (mvn test runs before the
   * jar is packaged) on the test's class path through MLP_CLASSPATH.
   */
  private static Process launch(String... args) throws Exception {
    Path root = Path.of("").toAbsolutePath();
    List<String> command = new ArrayList<>(List.of(root.resolve("bin/mlp").toString()));
    command.addAll(Arrays.asList(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(
        Path.of("/dev/null").toFile()));
    builder.environment().remove("MLP_URL");
    builder.environment().remove("MLP_API_KEY");
    Path jar = root.resolve("target/mlplatform.jar");
    Path classes = root.resolve("target/classes/io/mlplatform/cli/Mlp.class");
    if (!Files.exists(jar) || Files.getLastModifiedTime(jar).compareTo(Files.getLastModifiedTime(classes)) < 0) {
      builder.environment().put("MLP_CLASSPATH", System.getProperty("java.class.path"));
    }
    return builder.start();
  }
}
