package io.mlplatform;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.mlplatform.access.AccessServerVerticle;
import io.mlplatform.data.DataServerVerticle;
import io.mlplatform.execution.ExecutionServerVerticle;
import io.mlplatform.gateway.GatewayVerticle;
import io.mlplatform.gateway.StatusVerticle;
import io.mlplatform.hub.HubVerticle;
import io.mlplatform.mcp.EnvelopeCodec;
import io.mlplatform.mcp.Nodes;
import io.mlplatform.model.ModelServerVerticle;
import io.mlplatform.node.Meters;
import io.mlplatform.node.NodeStatus;
import io.mlplatform.node.Settings;
import io.mlplatform.storage.Stores;
import io.mlplatform.storage.embedded.EmbeddedMongo;
import io.mlplatform.storage.embedded.EmbeddedS3;
import io.mlplatform.workflow.TaskWorkerVerticle;
import io.mlplatform.workflow.WorkflowVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * One platform node: its embedded stores (when none are configured), its (clustered) Vert.x and the verticles of
 * its roles. Starting and closing block the calling thread; neither is ever called on an event loop.
 */
public final class Node implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Node.class);
  private static final long START_TIMEOUT_SECONDS = 120;
  private static final long CLOSE_TIMEOUT_SECONDS = 20;
  private static final long CLUSTER_GRACE_MILLIS = 500;

  private final Settings settings;
  private final NodeStatus status;
  private final Vertx vertx;
  private final EmbeddedMongo embeddedMongo;
  private final EmbeddedS3 embeddedS3;
  private final String mongoUri;
  private final String s3Endpoint;
  private final IntSupplier httpPort;

  private Node(Settings settings, NodeStatus status, Vertx vertx, EmbeddedMongo embeddedMongo, EmbeddedS3 embeddedS3,
               String mongoUri, String s3Endpoint, IntSupplier httpPort) {
    this.settings = settings;
    this.status = status;
    this.vertx = vertx;
    this.embeddedMongo = embeddedMongo;
    this.embeddedS3 = embeddedS3;
    this.mongoUri = mongoUri;
    this.s3Endpoint = s3Endpoint;
    this.httpPort = httpPort;
  }

  public static Node start(Settings settings) throws Exception {
    String nodeId = "node-" + UUID.randomUUID().toString().substring(0, 8);
    EmbeddedMongo embeddedMongo = null;
    EmbeddedS3 embeddedS3 = null;
    Vertx vertx = null;
    settings.checkExposure();
    try {
      String mongoUri = settings.mongoUri();
      if (mongoUri == null) {
        embeddedMongo = EmbeddedMongo.start(settings.dataDir().resolve("mongo"), settings.embeddedMongoPort());
        mongoUri = embeddedMongo.connectionString();
      }
      String s3Endpoint = settings.s3Endpoint();
      if (s3Endpoint == null) {
        embeddedS3 = EmbeddedS3.start(settings.dataDir().resolve("s3"), settings.embeddedS3Port(),
            settings.s3AccessKey(), settings.s3SecretKey());
        s3Endpoint = embeddedS3.endpoint();
      }
      HazelcastClusterManager clusterManager = settings.clustered() ? new HazelcastClusterManager(hazelcast(settings)) : null;
      vertx = startVertx(settings, clusterManager, nodeId);
      EnvelopeCodec.register(vertx.eventBus());
      NodeStatus status = new NodeStatus(nodeId, settings.roles(), settings.clustered(),
          () -> clusterManager != null && clusterManager.isActive(),
          () -> clusterManager == null || !clusterManager.isActive() ? 0 : clusterManager.getNodes().size(),
          settings.clusterExpectedMembers());
      Stores stores = Stores.connect(vertx, mongoUri, settings.mongoDatabase(), s3Endpoint, settings.s3Region(),
          settings.s3AccessKey(), settings.s3SecretKey());
      IntSupplier httpPort = deployRoles(vertx, settings, status, stores);
      status.markRolesDeployed();
      return new Node(settings, status, vertx, embeddedMongo, embeddedS3, mongoUri, s3Endpoint, httpPort);
    } catch (Exception | Error e) {
      if (vertx != null) {
        closeQuietly(vertx);
      }
      stopStores(embeddedMongo, embeddedS3);
      throw e;
    }
  }

  private static Vertx startVertx(Settings settings, HazelcastClusterManager clusterManager, String nodeId)
      throws Exception {
    String registry = "mlplatform-" + nodeId;
    VertxOptions options = new VertxOptions().setMetricsOptions(Meters.options(registry, settings.vertxMetrics()))
        .setPreferNativeTransport(true);
    if (clusterManager == null) {
      Vertx vertx = Vertx.builder().with(options).withMetrics(new MicrometerMetricsFactory()).build();
      Meters.bind(vertx, registry);
      return vertx;
    }
    options.getEventBusOptions().setHost(settings.clusterHost()).setPort(0).setClusterPublicHost(settings.clusterHost());
    JsonObject tls = settings.clusterTls();
    if (tls != null) {
      // node-to-node messages encrypted, and only a node holding a certificate the CA signed may connect
      options.getEventBusOptions().setSsl(true).setClientAuth(ClientAuth.REQUIRED)
          .setKeyCertOptions(new PemKeyCertOptions().setCertPath(tls.getString("cert")).setKeyPath(tls.getString("key")))
          .setTrustOptions(new PemTrustOptions().addCertPath(tls.getString("ca", tls.getString("cert"))));
    }
    Vertx vertx = await(Vertx.builder().with(options).withMetrics(new MicrometerMetricsFactory())
        .withClusterManager(clusterManager).buildClustered());
    Meters.bind(vertx, registry);
    return vertx;
  }

  /** Hazelcast on the configured interface only, joining the configured members over TCP (no multicast). */
  private static Config hazelcast(Settings settings) {
    Config config = ConfigUtil.loadConfig();
    // Hazelcast's open-source edition has no member authentication: only a node knowing the secret knows the name
    config.setClusterName(ClusterSecret.clusterName(settings.clusterSecret()));
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.logging.type", "slf4j");
    // a member that stops answering is dropped within seconds (default: a minute), so its event-bus
    // registrations go and requests stop being routed to it
    config.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    config.setProperty("hazelcast.max.no.heartbeat.seconds", "5");
    // a member that was cut off (paused, partitioned) and formed a cluster of its own merges back within seconds
    // (default: a first look after 5 minutes, then every 2)
    config.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
    config.setProperty("hazelcast.merge.next.run.delay.seconds", "5");
    // a starting member looks for the others for 1 s before it forms a cluster alone (default 5 s: every node
    // start, and every test with a cluster, waited that long); two that miss each other merge within seconds
    config.setProperty("hazelcast.wait.seconds.before.join", "1");
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(settings.clusterPort()).setPortAutoIncrement(true);
    String host = settings.clusterHost();
    // listen on that interface only (Hazelcast binds every interface unless told not to)
    config.setProperty("hazelcast.socket.bind.any", "false");
    if (host.matches("[0-9.]+")) {
      network.getInterfaces().setEnabled(true).addInterface(host);
    } else {
      // a host name (e.g. a container's): bind where it resolves and tell the others that name
      network.getInterfaces().setEnabled(true).addInterface(ClusterSecret.resolve(host));
      network.setPublicAddress(host);
    }
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(settings.clusterMembers());
    return config;
  }

  /**
   * Servers first, then the hub, then the gateway: a node takes HTTP traffic only once it can serve it. A node
   * without the gateway role answers only /health and /ready over HTTP. Answers the HTTP port.
   */
  private static IntSupplier deployRoles(Vertx vertx, Settings settings, NodeStatus status, Stores stores)
      throws Exception {
    String nodeId = status.nodeId();
    if (status.usesObjectStore()) {
      // once for every role here, before any of them serves: none depends on another having started first
      await(stores.objects().ensureBuckets());
    }
    if (settings.hasRole("model")) {
      await(vertx.deployVerticle(new ModelServerVerticle(nodeId, stores)));
    }
    if (settings.hasRole("data")) {
      await(vertx.deployVerticle(new DataServerVerticle(nodeId, stores, settings.abandonedUploadMillis())));
    }
    if (settings.hasRole("execution")) {
      await(vertx.deployVerticle(new ExecutionServerVerticle(nodeId, stores, settings)));
    }
    if (settings.hasRole("hub") || settings.hasRole("execution")) {
      await(vertx.deployVerticle(new TaskWorkerVerticle(nodeId, settings.requestTimeoutMillis())));
    }
    if (settings.hasRole("hub")) {
      await(vertx.deployVerticle(new WorkflowVerticle(nodeId, stores, settings)));
      await(vertx.deployVerticle(new AccessServerVerticle(nodeId, stores)));
      await(vertx.deployVerticle(new HubVerticle(nodeId, settings.requestTimeoutMillis())));
    }
    if (!settings.hasRole("gateway")) {
      StatusVerticle statusServer = new StatusVerticle(settings, status, stores);
      await(vertx.deployVerticle(statusServer));
      return statusServer::actualPort;
    }
    // one gateway per event loop wanted: they share the HTTP port, so HTTP parsing uses every core
    List<GatewayVerticle> gateways = new CopyOnWriteArrayList<>();
    await(vertx.deployVerticle(() -> {
      GatewayVerticle gateway = new GatewayVerticle(settings, status, stores);
      gateways.add(gateway);
      return gateway;
    }, new DeploymentOptions().setInstances(settings.httpInstances())));
    return gateways.get(0)::actualPort;
  }

  public String nodeId() {
    return status.nodeId();
  }

  public Vertx vertx() {
    return vertx;
  }

  /** The HTTP port: the API's on a gateway node, only /health and /ready on the others. */
  public int httpPort() {
    return httpPort.getAsInt();
  }

  /** The MongoDB this node uses (the embedded one's address when it runs one): other nodes can share it. */
  public String mongoUri() {
    return mongoUri;
  }

  /** The S3 endpoint this node uses (the embedded one's address when it runs one). */
  public String s3Endpoint() {
    return s3Endpoint;
  }

  public Settings settings() {
    return settings;
  }

  /**
   * In a cluster, first withdraws this node's servers from the cluster's routing and keeps answering at their direct
   * addresses for a grace period, so that every request already routed here is answered and none is lost (see
   * {@link Nodes}); then undeploys the roles, and closes Vert.x and the embedded stores. Every step is bounded in
   * time.
   */
  @Override
  public void close() {
    try {
      if (vertx.isClustered()) {
        await(Nodes.of(vertx).withdraw(), CLOSE_TIMEOUT_SECONDS);
        Thread.sleep(Nodes.WITHDRAW_GRACE_MILLIS);
      }
      await(Future.join(vertx.deploymentIDs().stream().map(vertx::undeploy).toList()), CLOSE_TIMEOUT_SECONDS);
      if (vertx.isClustered()) {
        Thread.sleep(CLUSTER_GRACE_MILLIS);
      }
    } catch (Exception e) {
      LOG.warn("stopping the roles failed", e);
    }
    closeQuietly(vertx);
    stopStores(embeddedMongo, embeddedS3);
  }

  private static void closeQuietly(Vertx vertx) {
    Nodes.release(vertx);
    try {
      await(vertx.close(), CLOSE_TIMEOUT_SECONDS);
    } catch (Exception e) {
      LOG.warn("closing Vert.x failed", e);
    }
  }

  /**
   * Stops the embedded stores. The S3 server stops on a thread of its own: its Jetty takes 1 to 2 s to stop its
   * threads, which nothing after a node's close waits for (a process exits; a test starts its next node on another port).
   */
  private static void stopStores(EmbeddedMongo mongo, EmbeddedS3 s3) {
    if (s3 != null) {
      Thread stopping = new Thread(() -> {
        try {
          s3.close();
        } catch (Exception e) {
          LOG.warn("stopping the embedded S3 server failed", e);
        }
      }, "embedded-s3-stop");
      stopping.setDaemon(true);
      stopping.start();
    }
    if (mongo != null) {
      mongo.close();
    }
  }

  static <T> T await(Future<T> future) throws Exception {
    return await(future, START_TIMEOUT_SECONDS);
  }

  static <T> T await(Future<T> future, long timeoutSeconds) throws Exception {
    try {
      return future.toCompletionStage().toCompletableFuture().get(timeoutSeconds, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    }
  }
}
