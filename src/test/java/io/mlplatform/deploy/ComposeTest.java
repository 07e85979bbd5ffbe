package io.mlplatform.deploy;

import io.mlplatform.node.Settings;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The seed's deployment without a Docker engine: the compose tool reads docker/docker-compose.yml (Compose v2's
 * {@code docker compose}, else Debian's docker-compose 1.29) and nginx checks docker/nginx.conf.
 */
@Tag("slow")
@DisplayName("The compose deployment: every container of the seed's, valid for compose, behind a valid nginx")
class ComposeTest {
  private static final Path COMPOSE_FILE = Path.of("docker", "docker-compose.yml");
  private static final Path NGINX_CONF = Path.of("docker", "nginx.conf");
  private static final Path NGINX = Path.of("/usr/sbin/nginx");
  private static final long TIMEOUT_SECONDS = 60;

  /** The platform's nodes: one image, one role each (two gateways behind nginx). */
  private static final List<String> NODES = List.of("api-gateway-1", "api-gateway-2", "mcp-hub", "model-mcp-server",
      "data-mcp-server", "execution-mcp-server");
  /** The rest of the seed's containers; the seed's frontend is the console the gateways serve. */
  private static final List<String> BACKING = List.of("mongodb", "mongo-express", "minio", "spark-master",
      "spark-worker", "nginx");
  /** The only containers with published ports: what an operator opens in a browser. */
  private static final Set<String> PUBLISHED = Set.of("nginx", "minio", "mongo-express", "spark-master");
  /** The variables the file requires (${…:?}), dummy values. */
  private static final Map<String, String> REQUIRED = Map.of("MLP_ADMIN_KEY", "test-admin-key",
      "MLP_CLUSTER_SECRET", "test-cluster-secret-0123456789", "MLP_S3_SECRET_KEY", "test-s3-secret",
      "MONGO_EXPRESS_USER", "test-user", "MONGO_EXPRESS_PASSWORD", "test-password");

  @Test
  @DisplayName("compose reads the file; it has the seed's containers, and every node its role, the cluster and a readiness check")
  @SuppressWarnings("unchecked")
  void composeFile() throws Exception {
    List<String> compose = composeCommand();
    Result quiet = run(with(compose, "-f", COMPOSE_FILE.toString(), "config", "-q"), REQUIRED, Set.of());
    assertThat(quiet.exit()).as("%s config -q: %s", compose, quiet.output()).isZero();

    Result config = run(with(compose, "-f", COMPOSE_FILE.toString(), "config"), REQUIRED, Set.of());
    assertThat(config.exit()).as(config.output()).isZero();
    Map<String, Object> services = (Map<String, Object>) new Yaml().<Map<String, Object>>load(config.output()).get("services");
    assertThat(services).containsKeys(NODES.toArray(String[]::new)).containsKeys(BACKING.toArray(String[]::new));

    Set<String> roles = new HashSet<>();
    for (String name : NODES) {
      Map<String, Object> node = (Map<String, Object>) services.get(name);
      assertThat(node.get("image")).as(name).isEqualTo("mlplatform");
      assertThat(String.valueOf(((Map<String, Object>) node.get("build")).get("dockerfile"))).as(name)
          .isEqualTo("docker/Dockerfile");
      assertThat(String.valueOf(node.get("healthcheck"))).as(name + "'s healthcheck").contains("http://localhost:8080/ready");
      Map<String, Object> env = (Map<String, Object>) node.get("environment");
      assertThat(String.valueOf(env.get("MLP_CLUSTER"))).as(name).isEqualTo("true");
      assertThat(String.valueOf(env.get("MLP_CLUSTER_HOST"))).as(name).isEqualTo(name);
      assertThat(String.valueOf(env.get("MLP_CLUSTER_MEMBERS")).split(",")).as(name).containsExactlyInAnyOrderElementsOf(NODES);
      assertThat(String.valueOf(env.get("MLP_CLUSTER_EXPECTED"))).as(name).isEqualTo(Integer.toString(NODES.size()));
      assertThat(String.valueOf(env.get("MLP_AUTH_REQUIRED"))).as(name).isEqualTo("true");
      assertThat(String.valueOf(env.get("MLP_ADMIN_KEY"))).as(name).isEqualTo(REQUIRED.get("MLP_ADMIN_KEY"));
      assertThat(String.valueOf(env.get("MLP_MONGO_URI"))).as(name).isEqualTo("mongodb://mongodb:27017");
      assertThat(String.valueOf(env.get("MLP_S3_ENDPOINT"))).as(name).isEqualTo("http://minio:9000");
      assertThat(((Map<String, Object>) node.get("depends_on")).keySet()).as(name).contains("mongodb", "minio");
      roles.addAll(Arrays.asList(String.valueOf(env.get("MLP_ROLES")).split(",")));
    }
    assertThat(roles).containsExactlyInAnyOrder("gateway", "hub", "model", "data", "execution");
    Map<String, Object> execution = (Map<String, Object>) ((Map<String, Object>) services.get("execution-mcp-server")).get("environment");
    assertThat(execution).containsEntry("MLP_SPARK_MASTER", "spark://spark-master:7077")
        .containsEntry("MLP_SPARK_JARS", "/app/mlplatform.jar");

    for (String name : List.of("mongodb", "minio", "spark-master")) {
      assertThat(((Map<String, Object>) services.get(name))).as(name).containsKey("healthcheck");
    }
    assertThat(services.entrySet().stream().filter(s -> ((Map<String, Object>) s.getValue()).containsKey("ports"))
        .map(Map.Entry::getKey)).as("services with published ports").containsExactlyInAnyOrderElementsOf(PUBLISHED);
    assertThat(String.valueOf(((Map<String, Object>) services.get("nginx")).get("depends_on")))
        .contains("api-gateway-1", "api-gateway-2", "service_healthy");
  }

  @Test
  @DisplayName("without a required secret compose refuses the file, naming the variable")
  void requiredSecret() throws Exception {
    Result refused = run(with(composeCommand(), "-f", COMPOSE_FILE.toString(), "config", "-q"), REQUIRED,
        Set.of("MLP_ADMIN_KEY"));
    assertThat(refused.exit()).as(refused.output()).isNotZero();
    assertThat(refused.output()).contains("MLP_ADMIN_KEY");
  }

  @Test
  @DisplayName("nginx accepts docker/nginx.conf (in an http block, the gateways mapped to loopback); its body limit is the upload limit")
  void nginxConf(@TempDir Path dir) throws Exception {
    if (!Files.isExecutable(NGINX)) {
      fail("nginx is missing at " + NGINX + ": install Debian's package (apt-get install -y nginx-light; .ci/run does)");
    }
    // nginx -t resolves the upstreams' host names, which only compose's network knows
    String site = Files.readString(NGINX_CONF).replaceAll("api-gateway-\\d+:", "127.0.0.1:");
    Files.writeString(dir.resolve("site.conf"), site);
    String prefix = dir.toAbsolutePath().toString();
    StringBuilder main = new StringBuilder("events {}\nhttp {\n  access_log off;\n");
    for (String temp : List.of("client_body", "proxy", "fastcgi", "uwsgi", "scgi")) {
      main.append("  ").append(temp).append("_temp_path ").append(prefix).append('/').append(temp).append(";\n");
    }
    main.append("  include ").append(prefix).append("/site.conf;\n}\n");
    Files.writeString(dir.resolve("nginx.conf"), main);
    Result test = run(List.of(NGINX.toString(), "-t", "-e", "stderr", "-p", prefix + "/", "-c", prefix + "/nginx.conf",
        "-g", "pid " + prefix + "/nginx.pid; error_log stderr;"), Map.of(), Set.of());
    assertThat(test.exit()).as("nginx -t: %s", test.output()).isZero();
    assertThat(test.output()).contains("test is successful");

    Matcher limit = Pattern.compile("client_max_body_size (\\d+)g;").matcher(site);
    assertThat(limit.find()).as("client_max_body_size in gigabytes").isTrue();
    assertThat(Long.parseLong(limit.group(1)) << 30).as("nginx's body limit, the platform's upload limit")
        .isEqualTo(Settings.of(Map.of()).maxUploadBytes());
  }

  /** {@code docker compose} when the docker client has the plugin, else {@code docker-compose}; fails naming the package. */
  private static List<String> composeCommand() throws InterruptedException {
    for (List<String> candidate : List.of(List.of("docker", "compose"), List.of("docker-compose"))) {
      try {
        if (run(with(candidate, "version"), Map.of(), Set.of()).exit() == 0) {
          return candidate;
        }
      } catch (IOException e) {
        // not installed: try the next one
      }
    }
    return fail("neither `docker compose` nor `docker-compose` runs: install Debian's package "
        + "(apt-get install -y docker-compose; .ci/run does)");
  }

  private record Result(int exit, String output) {
  }

  /** Runs the command in the project's directory with these variables set and those removed; output and errors together. */
  private static Result run(List<String> command, Map<String, String> set, Set<String> removed)
      throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(set);
    builder.environment().keySet().removeAll(removed);
    Process process = builder.start();
    process.getOutputStream().close();
    byte[][] output = new byte[1][];
    Thread reader = new Thread(() -> {
      try {
        output[0] = process.getInputStream().readAllBytes();
      } catch (IOException e) {
        output[0] = new byte[0];
      }
    });
    reader.start();
    if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      fail(String.join(" ", command) + " took more than " + TIMEOUT_SECONDS + " s");
    }
    reader.join(5000);
    return new Result(process.exitValue(), output[0] == null ? "" : new String(output[0], StandardCharsets.UTF_8));
  }

  private static List<String> with(List<String> command, String... arguments) {
    List<String> all = new ArrayList<>(command);
    all.addAll(List.of(arguments));
    return all;
  }
}
