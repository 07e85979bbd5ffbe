package io.mlplatform.gateway;

import io.mlplatform.node.Meters;
import io.mlplatform.node.NodeStatus;
import io.mlplatform.node.Settings;
import io.mlplatform.storage.Stores;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.PrometheusScrapingHandler;

/**
 * /health and /ready on a node without the gateway role (a hub, model, data or execution node), on the HTTP host and
 * port a gateway would use, so that an orchestrator checks every node the same way, and /metrics for Prometheus (no
 * key is asked there: keep the port on the cluster's network). Nothing else is served there.
 */
public final class StatusVerticle extends VerticleBase {
  static final String METRICS = "/metrics";
  private final Settings settings;
  private final NodeStatus status;
  private final Stores stores;
  private HttpServer server;

  public StatusVerticle(Settings settings, NodeStatus status, Stores stores) {
    this.settings = settings;
    this.status = status;
    this.stores = stores;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.get("/health").handler(ctx -> ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .end(new JsonObject().put("status", "up").put("node", status.nodeId()).encode()));
    router.get("/ready").handler(new Readiness(vertx, status, stores.mongo(vertx), stores.objects())::handle);
    if (Meters.registryName(vertx) != null) {
      router.get(METRICS).handler(PrometheusScrapingHandler.create(Meters.registryName(vertx)));
    }
    return vertx.createHttpServer().requestHandler(router)
        .listen(settings.httpPort(), settings.httpHost()).onSuccess(listening -> server = listening);
  }

  /** The port the server listens on (useful when the configured port is 0). */
  public int actualPort() {
    return server == null ? -1 : server.actualPort();
  }
}
