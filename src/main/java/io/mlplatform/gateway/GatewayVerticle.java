package io.mlplatform.gateway;

import io.mlplatform.agents.AgentEndpoint;
import io.mlplatform.mcp.Caller;
import io.mlplatform.mcp.Envelope;
import io.mlplatform.mcp.McpClient;
import io.mlplatform.mcp.Shadows;
import io.mlplatform.mcp.TrafficSplits;
import io.mlplatform.node.Meters;
import io.mlplatform.node.NodeStatus;
import io.mlplatform.node.Settings;
import io.mlplatform.policy.Permission;
import io.mlplatform.policy.Policy;
import io.mlplatform.storage.Stores;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.openapi.router.OpenAPIRoute;
import io.vertx.ext.web.openapi.router.RequestExtractor;
import io.vertx.ext.web.openapi.router.RouterBuilder;
import io.vertx.micrometer.PrometheusScrapingHandler;
import io.vertx.openapi.contract.OpenAPIContract;

import java.util.HashSet;
import java.util.Set;

/**
 * The HTTP face of the platform: the API validated against the OpenAPI contract (served at /openapi.yaml),
 * /health and /ready, the web console's static files and its event-bus bridge, and the Model Context Protocol
 * endpoint for AI agents ({@link AgentEndpoint}, /mcp).
 */
public final class GatewayVerticle extends VerticleBase {
  private static final String CONTRACT = "openapi.yaml";
  private static final String WEBROOT = "webroot";
  private static final long ONE_YEAR_SECONDS = 365L * 24 * 3600;
  private static final java.util.regex.Pattern DOT_SEGMENT =
      java.util.regex.Pattern.compile("(?i)/(\\.|%2e){1,2}(/|$)");

  private final Settings settings;
  private final NodeStatus status;
  private final Stores stores;
  private MongoClient mongo;
  private Authentication authentication;
  private HttpServer server;

  public GatewayVerticle(Settings settings, NodeStatus status, Stores stores) {
    this.settings = settings;
    this.status = status;
    this.stores = stores;
  }

  @Override
  public Future<?> start() {
    mongo = stores.mongo(vertx);
    McpClient client = new McpClient(vertx,
        new Envelope.Party("gateway@" + status.nodeId(), "gateway"), settings.requestTimeoutMillis());
    authentication = new Authentication(client, settings);
    return authentication.start(vertx).compose(started -> vertx.fileSystem().readFile(CONTRACT))
        .compose(contractText -> OpenAPIContract.from(vertx, CONTRACT)
        .compose(contract -> {
          RouterBuilder api = RouterBuilder.create(vertx, contract, RequestExtractor.withBodyHandler());
          BodyHandler jsonBodies = BodyHandler.create(false).setBodyLimit(settings.maxJsonBytes());
          RequestMetrics metrics = RequestMetrics.of(vertx);
          RequestMetrics.Recorder recorder = metrics.newRecorder(Meters.of(vertx));
          CrossSite crossSite = new CrossSite(settings.allowedOrigins());
          // ahead of every route (predictions, which HotPath takes, get the same in line)
          api.rootHandler(recorder::track);
          // the router resolves '..' before routing: /api/models/x/versions/.. would be model x
          api.rootHandler(ctx -> {
            String path = ctx.request().path();
            if ((path.indexOf('.') >= 0 || path.indexOf('%') >= 0) && DOT_SEGMENT.matcher(path).find()) {
              ctx.fail(io.mlplatform.mcp.McpException.invalid("the path may not hold '.' or '..' segments"));
            } else {
              ctx.next();
            }
          });
          api.rootHandler(crossSite::handle);
          api.rootHandler(authentication::handle);
          // uploads stream to the object store as they arrive: only non-multipart bodies are buffered
          // (and no WebSocket handshake's: the event bridge upgrades it, which a read request cannot)
          api.rootHandler(ctx -> {
            if (Uploads.isMultipart(ctx.request())
                || HttpHeaders.WEBSOCKET.toString().equalsIgnoreCase(ctx.request().getHeader(HttpHeaders.UPGRADE))) {
              ctx.next();
            } else {
              jsonBodies.handle(ctx);
            }
          });
          // each contract route names itself first, so that even a request refused by its validation is counted there
          for (OpenAPIRoute route : api.getRoutes()) {
            String pattern = route.getOperation().getOpenAPIPath();
            route.addHandler(ctx -> {
              RequestMetrics.routed(ctx, pattern);
              ctx.next();
            });
          }
          Set<String> checkedInCode = new HashSet<>(ApiRoutes.CHECKED_IN_CODE);
          checkedInCode.addAll(InferenceRoutes.CHECKED_IN_CODE);
          new ContractValidation(vertx, contract).install(api, checkedInCode);
          Calls calls = new Calls(client);
          new ApiRoutes(calls, stores.objects(), settings.maxUploadBytes()).bind(api);
          InferenceRoutes inference = new InferenceRoutes(calls, TrafficSplits.of(vertx, client),
              new Shadows(Meters.of(vertx)));
          inference.bind(api);
          api.getRoute("health").addHandler(ctx -> Calls.respond(ctx, 200, new JsonObject().put("status", "up")
              .put("node", status.nodeId())));
          api.getRoute("ready").addHandler(new Readiness(vertx, status, mongo, stores.objects())::handle);
          api.getRoute("getMetrics").addHandler(ctx -> {
            Policy.authorize(Authentication.caller(ctx), Permission.READ, "metrics");
            Calls.respond(ctx, 200, metrics.toJson(ctx.queryParams().get("deployment")).put("node", status.nodeId()));
          });
          api.getRoute("getCaller").addHandler(ctx -> {
            Caller caller = Authentication.caller(ctx);
            Calls.respond(ctx, 200, caller.toJson().put("anonymous", caller.anonymous())
                .put("permissions", Policy.permissionsJson(caller.roles())));
          });
          Router router = api.createRouter();
          return listen(router, new HotPath(router, recorder, crossSite, authentication, inference,
              settings.maxJsonBytes()), contractText, client);
        }));
  }

  private Future<HttpServer> listen(Router router, HotPath hotPath, Buffer contractText, McpClient client) {
    router.get("/openapi.yaml").handler(ctx -> ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/yaml").end(contractText));
    router.route(EventBridge.PATH).handler(ctx -> {
      Policy.authorize(Authentication.caller(ctx), Permission.READ, "events");
      ctx.next();
    });
    router.route(EventBridge.PATH).subRouter(EventBridge.router(vertx, authentication));
    new AgentEndpoint(vertx, client, stores.objects(), settings.allowedOrigins()).mount(router, Authentication::caller);
    if (Meters.registryName(vertx) != null) {
      // Prometheus' scrape: a read, so a scraper on a platform that requires keys sends a viewer's (bearer token)
      router.get(StatusVerticle.METRICS).handler(ctx -> {
        Policy.authorize(Authentication.caller(ctx), Permission.READ, "metrics");
        ctx.next();
      }).handler(PrometheusScrapingHandler.create(Meters.registryName(vertx)));
    }
    // the console's built assets have content hashes in their names: browsers keep them; index.html, which names
    // them, is fetched again every time, so a new version of the platform serves a new console at once
    // (a route's prefix is taken off the path a StaticHandler looks up)
    router.route("/assets/*").handler(StaticHandler.create(WEBROOT + "/assets").setCachingEnabled(true)
        .setMaxAgeSeconds(ONE_YEAR_SECONDS));
    router.route().handler(StaticHandler.create(WEBROOT).setCachingEnabled(false));
    // every failure and every unrouted request answered the same way
    router.route().failureHandler(Failures::render);
    router.errorHandler(404, Failures::render);
    router.errorHandler(405, Failures::render);
    router.errorHandler(500, Failures::render);
    // port 0 with several gateways: -1 asks Vert.x for one random port that they all share
    int port = settings.httpPort() == 0 && settings.httpInstances() > 1 ? -1 : settings.httpPort();
    HttpServerOptions options = new HttpServerOptions().setHost(settings.httpHost()).setPort(port)
        .setTcpNoDelay(true);
    return vertx.createHttpServer(options)
        .requestHandler(hotPath)
        .listen().andThen(ar -> {
          if (ar.succeeded()) {
            server = ar.result();
          }
        });
  }

  /** The port the server listens on (useful when the configured port is 0). */
  public int actualPort() {
    return server == null ? -1 : server.actualPort();
  }
}
