package io.mlplatform.node;

import io.mlplatform.policy.Permission;
import io.mlplatform.policy.Policy;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The node's configuration: built-in defaults, then conf/config.json, then MLP_* environment variables and
 * system properties of the same names. Every lookup of a setting goes through one of these methods.
 */
public final class Settings {
  public static final Set<String> ALL_ROLES = Set.of("gateway", "hub", "model", "data", "execution");

  /** Environment variable → path of the setting it overrides, and how its text becomes a value. */
  private static final Map<String, Override> OVERRIDES = Map.ofEntries(
      Map.entry("MLP_HTTP_HOST", new Override("http.host", s -> s)),
      Map.entry("MLP_ALLOWED_ORIGINS", new Override("http.allowed_origins", s -> new JsonArray(Arrays.stream(s.split(","))
          .map(String::trim).filter(o -> !o.isEmpty()).toList()))),
      Map.entry("MLP_CLUSTER_SECRET", new Override("cluster.secret", s -> s)),
      Map.entry("MLP_CLUSTER_TLS_CERT", new Override("cluster.tls.cert", s -> s)),
      Map.entry("MLP_CLUSTER_TLS_KEY", new Override("cluster.tls.key", s -> s)),
      Map.entry("MLP_CLUSTER_TLS_CA", new Override("cluster.tls.ca", s -> s)),
      Map.entry("MLP_HTTP_PORT", new Override("http.port", Integer::parseInt)),
      Map.entry("MLP_HTTP_INSTANCES", new Override("http.instances", Integer::parseInt)),
      Map.entry("MLP_DATA_DIR", new Override("data_dir", s -> s)),
      Map.entry("MLP_ROLES", new Override("roles", s -> new JsonArray(Arrays.stream(s.split(","))
          .map(String::trim).filter(r -> !r.isEmpty()).toList()))),
      Map.entry("MLP_CLUSTER", new Override("cluster.enabled", Boolean::parseBoolean)),
      Map.entry("MLP_AUTH_REQUIRED", new Override("auth.required", Boolean::parseBoolean)),
      Map.entry("MLP_ANONYMOUS_ROLES", new Override("auth.anonymous_roles", s -> new JsonArray(Arrays.stream(s.split(","))
          .map(String::trim).filter(r -> !r.isEmpty()).toList()))),
      Map.entry("MLP_ADMIN_KEY", new Override("auth.admin_key", s -> s)),
      Map.entry("MLP_CLUSTER_HOST", new Override("cluster.host", s -> s)),
      Map.entry("MLP_CLUSTER_PORT", new Override("cluster.port", Integer::parseInt)),
      Map.entry("MLP_CLUSTER_EXPECTED", new Override("cluster.expected_members", Integer::parseInt)),
      Map.entry("MLP_CLUSTER_MEMBERS", new Override("cluster.members", s -> new JsonArray(Arrays.stream(s.split(","))
          .map(String::trim).filter(m -> !m.isEmpty()).toList()))),
      Map.entry("MLP_MONGO_URI", new Override("mongo.uri", s -> s)),
      Map.entry("MLP_MONGO_DATABASE", new Override("mongo.database", s -> s)),
      Map.entry("MLP_S3_ENDPOINT", new Override("s3.endpoint", s -> s)),
      Map.entry("MLP_S3_ACCESS_KEY", new Override("s3.access_key", s -> s)),
      Map.entry("MLP_S3_SECRET_KEY", new Override("s3.secret_key", s -> s)),
      Map.entry("MLP_S3_ABANDONED_UPLOAD_MS", new Override("s3.abandoned_upload_ms", Long::parseLong)),
      Map.entry("MLP_EMBEDDED_MONGO_PORT", new Override("mongo.embedded_port", Integer::parseInt)),
      Map.entry("MLP_EMBEDDED_S3_PORT", new Override("s3.embedded_port", Integer::parseInt)),
      Map.entry("MLP_MAX_JSON_BYTES", new Override("http.max_json_bytes", Long::parseLong)),
      Map.entry("MLP_MAX_UPLOAD_BYTES", new Override("http.max_upload_bytes", Long::parseLong)),
      Map.entry("MLP_REQUEST_TIMEOUT_MS", new Override("request_timeout_ms", Long::parseLong)),
      Map.entry("MLP_SPARK_MASTER", new Override("spark.master", s -> s)),
      Map.entry("MLP_SPARK_JARS", new Override("spark.jars", s -> s)),
      Map.entry("MLP_SPARK_DRIVER_HOST", new Override("spark.driver_host", s -> s)),
      Map.entry("MLP_EXECUTION_CONCURRENCY", new Override("executions.concurrency", Integer::parseInt)),
      Map.entry("MLP_EXECUTION_MAX_ATTEMPTS", new Override("executions.max_attempts", Integer::parseInt)),
      Map.entry("MLP_EXECUTION_LEASE_MS", new Override("executions.lease_ms", Long::parseLong)),
      Map.entry("MLP_METRICS_VERTX", new Override("metrics.vertx", Boolean::parseBoolean)));

  private record Override(String path, Function<String, Object> parse) {
  }

  private final JsonObject json;

  public Settings(JsonObject json) {
    this.json = json;
    for (String role : roles()) {
      if (!ALL_ROLES.contains(role)) {
        throw new IllegalArgumentException("unknown role '" + role + "' (roles are " + ALL_ROLES + ")");
      }
    }
  }

  /** Defaults, then the config file (if it exists), then the environment and system properties. */
  public static Settings load(Path configFile, Map<String, String> environment) {
    JsonObject json = defaults();
    if (configFile != null && Files.isRegularFile(configFile)) {
      try {
        json.mergeIn(new JsonObject(Files.readString(configFile)), true);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read " + configFile, e);
      }
    }
    Map<String, String> overrides = new HashMap<>(environment);
    System.getProperties().forEach((k, v) -> {
      if (OVERRIDES.containsKey(k.toString())) {
        overrides.put(k.toString(), v.toString());
      }
    });
    return new Settings(applyOverrides(json, overrides));
  }

  /** The built-in defaults with the given overrides, as environment variable names (used by tests and tools). */
  public static Settings of(Map<String, String> overrides) {
    return new Settings(applyOverrides(defaults(), overrides));
  }

  private static JsonObject defaults() {
    try (InputStream in = Settings.class.getResourceAsStream("/default-config.json")) {
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonObject applyOverrides(JsonObject json, Map<String, String> env) {
    env.forEach((name, text) -> {
      Override override = OVERRIDES.get(name);
      if (override == null || text == null || text.isBlank()) {
        return;
      }
      Object value;
      try {
        value = override.parse.apply(text.trim());
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(name + ": cannot read '" + text + "'", e);
      }
      String[] path = override.path.split("\\.");
      JsonObject target = json;
      for (int i = 0; i < path.length - 1; i++) {
        if (!(target.getValue(path[i]) instanceof JsonObject)) {
          target.put(path[i], new JsonObject());
        }
        target = target.getJsonObject(path[i]);
      }
      target.put(path[path.length - 1], value);
    });
    return json;
  }

  public JsonObject json() {
    return json.copy();
  }

  private JsonObject section(String name) {
    return json.getJsonObject(name, new JsonObject());
  }

  /** The HTTP interface: as configured, else loopback while a call without a key may change things, else all. */
  public String httpHost() {
    String host = section("http").getString("host");
    if (host != null && !host.isBlank()) {
      return host;
    }
    return anonymousMayWrite() ? "127.0.0.1" : "0.0.0.0";
  }

  /** Origins (scheme://host[:port]) besides the platform's own whose pages may send changes to the API. */
  public List<String> allowedOrigins() {
    return section("http").getJsonArray("allowed_origins", new JsonArray()).stream().map(String::valueOf).toList();
  }

  /** Whether a call without a key gets a role that writes (the laptop default: admin). */
  public boolean anonymousMayWrite() {
    var granted = Policy.granted(anonymousRoles());
    return granted.contains(Permission.WRITE) || granted.contains(Permission.ADMIN);
  }

  /** PEM files of the event bus's TLS between nodes: {cert, key, ca?}, or null when the bus is not encrypted. */
  public JsonObject clusterTls() {
    JsonObject tls = section("cluster").getJsonObject("tls");
    if (tls == null || tls.getString("cert") == null) {
      return null;
    }
    if (tls.getString("key") == null) {
      throw new IllegalArgumentException("MLP_CLUSTER_TLS_CERT needs MLP_CLUSTER_TLS_KEY (the PEM private key)");
    }
    return tls;
  }

  /** The shared secret of the cluster's members, or null. */
  public String clusterSecret() {
    String secret = section("cluster").getString("secret");
    return secret == null || secret.isBlank() ? null : secret;
  }

  /**
   * Refuses settings that expose the platform: HTTP on a non-loopback interface while anonymous callers may write,
   * a cluster on a non-loopback interface without a shared secret. The message says what to set.
   */
  public void checkExposure() {
    if (hasRole("gateway") && !isLoopback(httpHost()) && anonymousMayWrite()) {
      throw new IllegalArgumentException("MLP_HTTP_HOST=" + httpHost() + " would let anyone on the network change "
          + "the platform: calls without a key have the roles " + anonymousRoles() + ". Set MLP_AUTH_REQUIRED=true "
          + "and MLP_ADMIN_KEY (or MLP_ANONYMOUS_ROLES=viewer), or bind MLP_HTTP_HOST=127.0.0.1");
    }
    if (clustered() && !isLoopback(clusterHost()) && (clusterSecret() == null || clusterSecret().length() < 16)) {
      throw new IllegalArgumentException("MLP_CLUSTER_HOST=" + clusterHost() + " is reachable from other machines: "
          + "set MLP_CLUSTER_SECRET (16 characters or more, the same on every node) so that only nodes knowing it join");
    }
  }

  /** Whether a host name or address is this machine's loopback interface. */
  public static boolean isLoopback(String host) {
    return "localhost".equalsIgnoreCase(host) || host.startsWith("127.") || "::1".equals(host) || "[::1]".equals(host);
  }

  public int httpPort() {
    return section("http").getInteger("port", 8080);
  }

  /** Gateway verticles sharing the HTTP port: one per core by default. */
  public int httpInstances() {
    return section("http").getInteger("instances", Runtime.getRuntime().availableProcessors());
  }

  public long maxJsonBytes() {
    return section("http").getLong("max_json_bytes", 1_048_576L);
  }

  public long maxUploadBytes() {
    return section("http").getLong("max_upload_bytes", 2L * 1024 * 1024 * 1024);
  }

  public Path dataDir() {
    return Path.of(json.getString("data_dir", "./data")).toAbsolutePath().normalize();
  }

  public List<String> roles() {
    return json.getJsonArray("roles", new JsonArray()).stream().map(Object::toString).toList();
  }

  public boolean hasRole(String role) {
    return roles().contains(role);
  }

  public long requestTimeoutMillis() {
    return json.getLong("request_timeout_ms", 60_000L);
  }

  public boolean clustered() {
    return section("cluster").getBoolean("enabled", false);
  }

  /** How many members a node must see to call itself ready (1: itself; a node cut off from the rest sees fewer). */
  public int clusterExpectedMembers() {
    return section("cluster").getInteger("expected_members", 1);
  }

  public String clusterHost() {
    return section("cluster").getString("host", "127.0.0.1");
  }

  public int clusterPort() {
    return section("cluster").getInteger("port", 5701);
  }

  public List<String> clusterMembers() {
    return section("cluster").getJsonArray("members", new JsonArray()).stream().map(Object::toString).toList();
  }

  /** The MongoDB to use, or null to start the embedded one. */
  public String mongoUri() {
    return section("mongo").getString("uri");
  }

  public String mongoDatabase() {
    return section("mongo").getString("database", "mlplatform");
  }

  public int embeddedMongoPort() {
    return section("mongo").getInteger("embedded_port", 27018);
  }

  /** The S3 endpoint to use, or null to start the embedded one. */
  public String s3Endpoint() {
    return section("s3").getString("endpoint");
  }

  public String s3Region() {
    return section("s3").getString("region", "us-east-1");
  }

  public String s3AccessKey() {
    return section("s3").getString("access_key");
  }

  public String s3SecretKey() {
    return section("s3").getString("secret_key");
  }

  /** Where Spark jobs run: local[*] in this JVM by default, or a cluster (spark://host:7077). */
  public String sparkMaster() {
    return section("spark").getString("master", "local[*]");
  }

  /**
   * Spark settings of the node's session besides the master: {@code spark.conf} of the configuration file (any
   * Spark property, e.g. spark.executor.memory), then spark.jars (MLP_SPARK_JARS, comma-separated: what executors of
   * a cluster load the platform's classes from; by default the platform's own jar, see SparkRuntime) and
   * spark.driver.host (MLP_SPARK_DRIVER_HOST; on a Spark cluster, by default the cluster host of a clustered node: the
   * address executors call the driver back on).
   */
  public Map<String, String> sparkConf() {
    Map<String, String> conf = new java.util.TreeMap<>();
    section("spark").getJsonObject("conf", new JsonObject()).forEach(e -> conf.put(e.getKey(), String.valueOf(e.getValue())));
    String jars = section("spark").getString("jars");
    if (jars != null && !jars.isBlank()) {
      conf.put("spark.jars", jars);
    }
    boolean cluster = !sparkMaster().startsWith("local");
    String driverHost = section("spark").getString("driver_host", cluster && clustered() ? clusterHost() : null);
    if (driverHost != null && !driverHost.isBlank()) {
      conf.put("spark.driver.host", driverHost);
    }
    return conf;
  }

  /** Executions this node runs at once. */
  public int executionConcurrency() {
    return section("executions").getInteger("concurrency", 1);
  }

  /** Attempts an execution gets when its node stops answering mid-run. */
  public int executionMaxAttempts() {
    return section("executions").getInteger("max_attempts", 3);
  }

  /** How long a claimed execution stays with its node without a heartbeat before another node may take it. */
  public long executionLeaseMillis() {
    return section("executions").getLong("lease_ms", 15_000L);
  }

  /**
   * Whether Vert.x's own meters (HTTP requests by route, the event bus, TCP) are kept besides the platform's and the
   * JVM's: on by default; they cost about a tenth of a prediction's gateway time.
   */
  public boolean vertxMetrics() {
    return section("metrics").getBoolean("vertx", true);
  }

  /** Whether every API call needs an API key (otherwise a call without one has {@link #anonymousRoles()}). */
  public boolean authRequired() {
    return section("auth").getBoolean("required", false);
  }

  /** The roles of a caller without a key when keys are not required: admin by default (a laptop needs none). */
  public List<String> anonymousRoles() {
    if (authRequired()) {
      return List.of();
    }
    return section("auth").getJsonArray("anonymous_roles", new JsonArray().add("admin")).stream()
        .map(String::valueOf).toList();
  }

  /** A key that always authenticates as an admin (to create the first keys), or null. */
  public String adminKey() {
    String key = section("auth").getString("admin_key");
    return key == null || key.isBlank() ? null : key;
  }

  /** How old an incomplete multipart upload is when it is taken as abandoned and aborted (default an hour). */
  public long abandonedUploadMillis() {
    return section("s3").getLong("abandoned_upload_ms", 3_600_000L);
  }

  public int embeddedS3Port() {
    return section("s3").getInteger("embedded_port", 9100);
  }
}
