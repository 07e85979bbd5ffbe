import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

import java.nio.FloatBuffer;
import java.util.Map;

/**
 * The prediction hot path's cost budget, a stage at a time: one HTTP server per core, like the gateway, answering
 * POSTs of a V2 body in one of these modes, until the process is killed (bench/inference/hops.sh runs two at once):
 * <ul>
 *   <li>{@code plain}: a bare Vert.x server that parses the JSON body and answers a constant;</li>
 *   <li>{@code web}: the same behind vertx-web (a Router, five front handlers, a BodyHandler), as the gateway is;</li>
 *   <li>{@code bus}: web, then one local event-bus request/reply to a consumer that scores the model (a replica);</li>
 *   <li>{@code hop}: web, then the model scored on the consumer's context and the answer written back on the
 *       gateway's (two context hand-offs, without the event bus's envelope, reply consumer and timer);</li>
 *   <li>{@code inline}: web, then the model scored on the gateway's event loop (the platform's direct answers).</li>
 * </ul>
 * Usage: java HopBench MODE PORT MODEL.onnx (the benchmarks' four-input classifier).
 */
public final class HopBench {
  private static final OrtEnvironment ORT = OrtEnvironment.getEnvironment();
  private static final String ANSWER = new JsonObject().put("outputs", new JsonArray().add(new JsonObject()
      .put("output", new JsonArray().add(0.25).add(0.75)))).encode();

  private HopBench() {
  }

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    int port = Integer.parseInt(args[1]);
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    options.setIntraOpNumThreads(1);
    options.setInterOpNumThreads(1);
    OrtSession session = ORT.createSession(args[2], options);
    Vertx vertx = Vertx.vertx();
    Context replica = vertx.getOrCreateContext();
    replica.runOnContext(v -> vertx.eventBus().<JsonObject>consumer("replica", message -> {
      score(session);
      message.reply(new JsonObject(ANSWER));
    }));
    vertx.deployVerticle(() -> new VerticleBase() {
      @Override
      public Future<?> start() {
        if (mode.equals("plain")) {
          return vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
            body.toJsonObject();
            request.response().putHeader("content-type", "application/json").end(ANSWER);
          })).listen(port, "127.0.0.1");
        }
        Router router = Router.router(vertx);
        BodyHandler bodies = BodyHandler.create(false).setBodyLimit(1 << 20);
        Route first = router.route();
        for (int i = 0; i < 4; i++) {
          first.handler(RoutingContext::next);
        }
        first.handler(bodies::handle);
        router.post("/v2/models/:name/infer").handler(ctx -> {
          ctx.body().asJsonObject();
          switch (mode) {
            case "web" -> respond(ctx, ANSWER);
            case "inline" -> {
              score(session);
              respond(ctx, new JsonObject(ANSWER).encode());
            }
            case "bus" -> vertx.eventBus().<JsonObject>request("replica", new JsonObject(),
                new DeliveryOptions().setSendTimeout(20_000)).onSuccess(reply -> respond(ctx, reply.body().encode()));
            case "hop" -> {
              Context gateway = vertx.getOrCreateContext();
              replica.runOnContext(v -> {
                score(session);
                JsonObject answer = new JsonObject(ANSWER);
                gateway.runOnContext(w -> respond(ctx, answer.encode()));
              });
            }
            default -> throw new IllegalArgumentException("mode: plain, web, bus, hop or inline");
          }
        });
        return vertx.createHttpServer().requestHandler(router).listen(port, "127.0.0.1");
      }
    }, new DeploymentOptions().setInstances(Runtime.getRuntime().availableProcessors()))
        .toCompletionStage().toCompletableFuture().get();
    System.out.println(mode + " server on " + port);
  }

  private static void respond(RoutingContext ctx, String json) {
    ctx.response().putHeader("content-type", "application/json").end(json);
  }

  /** One row through the model, as a replica scores a one-row request. */
  private static void score(OrtSession session) {
    try (OnnxTensor input = OnnxTensor.createTensor(ORT, FloatBuffer.wrap(new float[]{0.1f, 0.2f, 0.3f, 0.4f}),
        new long[]{1, 4}); OrtSession.Result result = session.run(Map.of("input", input))) {
      if (result.size() == 0) {
        throw new IllegalStateException("no output");
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
