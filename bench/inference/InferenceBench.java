import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.mlplatform.support.TestModels;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Helpers of bench/inference/run.sh: writes the benchmark model, measures raw in-process onnxruntime, and runs the
 * bare Vert.x HTTP server that is the HTTP ceiling of this machine.
 */
public final class InferenceBench {
  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "model" -> Files.write(Path.of(args[1]), TestModels.classifier(Path.of(args[1]).toAbsolutePath().getParent(), 7).onnx());
      case "ort" -> ort(Path.of(args[1]), Double.parseDouble(args[2]));
      case "constant" -> constant(Integer.parseInt(args[1]));
      default -> throw new IllegalArgumentException(args[0]);
    }
  }

  /** Calls/s of session.run with one row, and rows/s with 64 rows a call, on one thread. */
  private static void ort(Path model, double seconds) throws Exception {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    options.setIntraOpNumThreads(1);
    try (OrtSession session = env.createSession(model.toString(), options)) {
      for (int rows : new int[]{1, 64}) {
        float[] data = new float[rows * 4];
        for (int i = 0; i < data.length; i++) {
          data[i] = (i % 7) / 7f;
        }
        long calls = 0;
        long end = System.nanoTime() + (long) (seconds * 0.2e9);
        while (System.nanoTime() < end) {
          run(env, session, data, rows);
        }
        long start = System.nanoTime();
        end = start + (long) (seconds * 1e9);
        while (System.nanoTime() < end) {
          run(env, session, data, rows);
          calls++;
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        System.out.printf("ort rows=%d calls_per_s=%.0f rows_per_s=%.0f%n", rows, calls / elapsed, calls * rows / elapsed);
      }
    }
  }

  private static void run(OrtEnvironment env, OrtSession session, float[] data, int rows) throws Exception {
    try (OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(data), new long[]{rows, 4});
         OrtSession.Result result = session.run(Map.of("input", input))) {
      if (result.size() == 0) {
        throw new IllegalStateException("no output");
      }
    }
  }

  /**
   * A bare Vert.x HTTP server answering a constant JSON body to every request, until the process is killed: one
   * server per core sharing the port, as the platform's gateway runs, on the same sockets (epoll where the platform
   * finds it too).
   */
  private static void constant(int port) throws Exception {
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
    String body = new JsonObject().put("outputs", new io.vertx.core.json.JsonArray().add(new JsonObject()
        .put("output", new io.vertx.core.json.JsonArray().add(0.25).add(0.75)))).encode();
    vertx.deployVerticle(() -> new VerticleBase() {
      @Override
      public Future<?> start() {
        return vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(b -> request.response()
            .putHeader("content-type", "application/json").end(body))).listen(port, "127.0.0.1");
      }
    }, new DeploymentOptions().setInstances(Runtime.getRuntime().availableProcessors()))
        .toCompletionStage().toCompletableFuture().get();
    System.out.println("constant server on " + port + (vertx.isNativeTransportEnabled() ? " (epoll)" : " (Java NIO)"));
  }
}
