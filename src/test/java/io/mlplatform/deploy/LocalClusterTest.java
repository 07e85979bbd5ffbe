package io.mlplatform.deploy;

import io.mlplatform.support.Api;
import io.mlplatform.support.Bridge;
import io.mlplatform.support.TestNodes;
import io.mlplatform.support.Waits;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import static io.mlplatform.support.Waits.matching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * bin/local-cluster.sh's topology on loopback, as an operator runs it: a Spark standalone master and worker, two
 * platform nodes with different roles, nginx in front. The nodes run from the build's classes (the test phase has no
 * shaded jar); the executors get the platform's classes from a jar of them given as spark.jars.
 */
@Tag("slow")
@DisplayName("The local cluster script: Spark standalone, two nodes, nginx")
class LocalClusterTest {
  private static final Path SCRIPT = Path.of("bin/local-cluster.sh");

  @TempDir
  Path dir;

  @Test
  @DisplayName("executions run in the standalone worker's executors; predictions and SockJS events pass through nginx; replicas serve on both nodes")
  void scriptTopology() throws Exception {
    Map<String, String> ports = new HashMap<>();
    for (String name : List.of("LC_HTTP_PORT", "LC_NODE1_PORT", "LC_NODE2_PORT", "LC_SPARK_PORT", "LC_SPARK_UI_PORT",
        "LC_WORKER_UI_PORT", "LC_MONGO_PORT", "LC_S3_PORT")) {
      ports.put(name, Integer.toString(TestNodes.freePort()));
    }
    // node 2's Hazelcast takes the port after node 1's
    ports.put("LC_CLUSTER_PORT", Integer.toString(TestNodes.freeConsecutivePorts(2)));
    Path cluster = dir.resolve("cluster");
    Map<String, String> env = new HashMap<>(ports);
    env.put("LC_CLASSPATH", Path.of("target/classes").toAbsolutePath() + ":"
        + Files.readString(Path.of("target/spark/runtime-classpath.txt")).trim());
    env.put("MLP_SPARK_JARS", platformClassesJar(dir.resolve("mlplatform-classes.jar")).toString());
    env.put("LC_NODE_HEAP", "1g");
    env.put("LC_EXECUTOR_MEMORY", "768m");
    env.put("MLP_REQUEST_TIMEOUT_MS", "20000");
    try {
      script(env, "start", cluster, 240);
      int http = Integer.parseInt(ports.get("LC_HTTP_PORT"));
      Api api = new Api(http);
      JsonObject ready = api.get("/ready").json();
      assertThat(ready.getInteger("members")).as(ready.encode()).isEqualTo(2);

      JsonObject trained;
      try (Bridge events = new Bridge(http, "http://127.0.0.1:" + http)) {
        events.send(new JsonObject().put("type", "register").put("address", "mcp.events.executions"));
        assertThat(api.upload("/api/datasets", Map.of("name", "customers"), "customers.csv", customers()).status())
            .isEqualTo(201);
        trained = awaitEnd(api, api.postJson("/api/executions", new JsonObject().put("type", "train")
            .put("dataset", "customers").put("algorithm", "logistic_regression").put("categorical", new JsonArray().add("city"))
            .put("features", new JsonArray().add("age").add("income").add("visits").add("city")).put("label", "churned")
            .put("model", "churn")).json().getString("id"));
        assertThat(trained.getString("status")).as(trained.encode()).isEqualTo("succeeded");
        JsonObject event = events.next(5_000);
        assertThat(event).as("an execution event through nginx's WebSocket").isNotNull();
        assertThat(event.getString("address")).isEqualTo("mcp.events.executions");
      }
      String logs = api.get("/api/executions/" + trained.getString("id") + "/logs").text();
      assertThat(logs).containsPattern("Spark application app-[0-9-]+ on spark://127.0.0.1:" + ports.get("LC_SPARK_PORT"));
      assertThat(tasksInWorker(cluster)).as("tasks run in the worker's executors").isPositive();

      String scoring = api.postJson("/api/executions", new JsonObject().put("type", "batch_predict").put("model", "churn")
          .put("dataset", "customers").put("output", "customers-scored")).json().getString("id");
      String split = api.postJson("/api/executions", new JsonObject().put("type", "transform").put("dataset", "customers")
          .put("output", "customers-pq").put("output_format", "parquet").put("split", new JsonObject().put("train", 0.8)))
          .json().getString("id");
      for (String id : List.of(scoring, split)) {
        JsonObject done = awaitEnd(api, id);
        assertThat(done.getString("status")).as(done.encode()).isEqualTo("succeeded");
      }
      assertThat(api.get("/api/datasets/customers-scored/versions/1").json().getLong("row_count")).isPositive();

      // SockJS's polling fallback through nginx: the session's requests reach the gateway holding it
      HttpClient client = HttpClient.newHttpClient();
      String origin = "http://127.0.0.1:" + http;
      HttpResponse<String> open = client.send(HttpRequest.newBuilder(URI.create(origin + "/eventbus/000/lc1/xhr"))
          .header("Origin", origin).timeout(Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(open.statusCode()).isEqualTo(200);
      assertThat(open.body()).startsWith("o");

      // the console's page and its assets come through nginx too
      Api.Response page = api.get("/");
      assertThat(page.status()).isEqualTo(200);
      assertThat(page.contentType()).startsWith("text/html");
      java.util.regex.Matcher asset = java.util.regex.Pattern.compile("/assets/[^\"]+\\.js").matcher(page.text());
      assertThat(asset.find()).as("the console's page names its script: %s", page.text()).isTrue();
      assertThat(api.get(asset.group()).status()).isEqualTo(200);

      Api.Response deployed = api.postJson("/api/deployments", new JsonObject().put("name", "churn-online")
          .put("model", "churn").put("replicas", 2));
      assertThat(deployed.status()).as(deployed.text()).isEqualTo(201);
      JsonObject request = new JsonObject().put("inputs", new JsonArray()
          .add(new JsonObject().put("age", 41).put("income", 52000.5).put("visits", 3).put("city", "Lyon")));
      Set<String> nodes = new HashSet<>();
      await("replicas on both nodes serve").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
          .until(() -> {
            HttpResponse<String> predicted = client.send(HttpRequest.newBuilder(URI.create(origin
                + "/api/deployments/churn-online/predict")).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofString(request.encode())).build(), HttpResponse.BodyHandlers.ofString());
            if (predicted.statusCode() == 200) {
              nodes.add(predicted.headers().firstValue("X-Served-By").orElse("").split("/")[0]);
            }
            return nodes;
          }, matching("two nodes", seen -> seen.size() == 2));
    } finally {
      script(env, "stop", cluster, 60);
    }
  }

  /** Customers with numbers, a string category, and nulls in both. */
  private static byte[] customers() {
    Random random = new Random(7);
    String[] cities = {"Lyon", "Paris", "Lille", ""};
    StringBuilder csv = new StringBuilder("id,age,income,visits,city,churned\n");
    for (int i = 0; i < 600; i++) {
      int age = 18 + random.nextInt(60);
      int visits = random.nextInt(12);
      String income = i % 37 == 0 ? "" : String.format(java.util.Locale.ROOT, "%.2f", 20000 + random.nextDouble() * 80000);
      csv.append(i).append(',').append(age).append(',').append(income).append(',').append(visits).append(',')
          .append(cities[random.nextInt(cities.length)]).append(',').append(visits < 3 && age < 40 ? 1 : 0).append('\n');
    }
    return csv.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static JsonObject awaitEnd(Api api, String id) {
    return Waits.executionEnded(api, id, Duration.ofSeconds(180));
  }

  /** Tasks the worker's executors finished, from their logs under the worker's directory. */
  private static long tasksInWorker(Path cluster) throws IOException {
    try (Stream<Path> files = Files.walk(cluster.resolve("spark-work"))) {
      return files.filter(file -> file.getFileName().toString().equals("stderr")).mapToLong(file -> {
        try {
          return Files.readAllLines(file).stream().filter(line -> line.contains("Finished task")).count();
        } catch (IOException e) {
          return 0;
        }
      }).sum();
    }
  }

  /** The platform's own classes (not its dependencies: the worker has those) as a jar for spark.jars. */
  private static Path platformClassesJar(Path jar) throws IOException {
    Path classes = Path.of("target/classes");
    try (OutputStream out = Files.newOutputStream(jar); JarOutputStream zip = new JarOutputStream(out);
         Stream<Path> files = Files.walk(classes.resolve("io"))) {
      for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        zip.putNextEntry(new JarEntry(classes.relativize(file).toString().replace('\\', '/')));
        Files.copy(file, zip);
        zip.closeEntry();
      }
    }
    return jar.toAbsolutePath();
  }

  private static void script(Map<String, String> env, String command, Path cluster, int seconds) throws Exception {
    ProcessBuilder builder = new ProcessBuilder("bash", SCRIPT.toString(), command, cluster.toString())
        .redirectErrorStream(true).redirectOutput(cluster.getParent().resolve(command + ".out").toFile());
    builder.environment().putAll(env);
    Process process = builder.start();
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("bin/local-cluster.sh " + command + " took over " + seconds + " s");
    }
    assertThat(process.exitValue()).as("bin/local-cluster.sh %s: %s", command,
        Files.readString(cluster.getParent().resolve(command + ".out"))).isZero();
  }
}
