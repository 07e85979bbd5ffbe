import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import io.mlplatform.storage.embedded.EmbeddedMongo;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Helpers of bench/stores/run.sh; every loop is bounded in time and the process exits by itself:
 * <pre>
 *   api-writes  BASE_URL INFLIGHT WARMUP_S SECONDS       POST /api/models with distinct names: writes_per_s
 *   mongo-writes URI INFLIGHT WARMUP_S SECONDS           the same documents inserted straight into URI: writes_per_s
 *   local-writes durable|delayed DIR INFLIGHT WARMUP_S SECONDS
 *                                                        the same inserts into an embedded MongoDB this process starts
 *                                                        on DIR: the platform's (a commit per write) or the library's
 *                                                        own H2 backend (a commit about every second)
 *   executions  URI N                                    inserts N finished execution documents (1,000 a batch)
 *   list        BASE_URL QUERY REPEATS                   GET /api/executions?QUERY REPEATS times: median_ms, total
 *   drop-indexes URI COLLECTION                          drops every index but _id's
 * </pre>
 */
public final class StoresBench {
  public static void main(String[] args) throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      switch (args.length == 0 ? "" : args[0]) {
        case "api-writes" -> apiWrites(vertx, args[1], Integer.parseInt(args[2]), seconds(args[3]), seconds(args[4]));
        case "mongo-writes" -> mongoWrites(vertx, args[1], Integer.parseInt(args[2]), seconds(args[3]), seconds(args[4]));
        case "local-writes" -> localWrites(vertx, args[1], Path.of(args[2]), Integer.parseInt(args[3]),
            seconds(args[4]), seconds(args[5]));
        case "executions" -> executions(vertx, args[1], Integer.parseInt(args[2]));
        case "list" -> list(vertx, args[1], args[2], Integer.parseInt(args[3]));
        case "drop-indexes" -> dropIndexes(vertx, args[1], args[2]);
        default -> {
          System.err.println("usage: StoresBench api-writes|mongo-writes|local-writes|executions|list ... (see the class comment)");
          System.exit(2);
        }
      }
    } finally {
      vertx.close();
    }
    System.exit(0);
  }

  private static long seconds(String s) {
    return (long) (Double.parseDouble(s) * 1e9);
  }

  /** A model document as the registry writes it (about the same size). */
  private static JsonObject model(String name) {
    String now = java.time.Instant.now().toString();
    return new JsonObject().put("_id", name).put("name", name).put("description", "stores benchmark")
        .put("tags", new JsonObject()).put("created_at", now).put("updated_at", now).put("created_by", (String) null);
  }

  private static void apiWrites(Vertx vertx, String base, int inflight, long warmup, long measure) throws Exception {
    java.net.URI uri = java.net.URI.create(base);
    HttpClient http = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(uri.getHost())
        .setDefaultPort(uri.getPort()).setKeepAlive(true), new PoolOptions().setHttp1MaxSize(inflight));
    AtomicLong names = new AtomicLong();
    String run = Long.toString(System.nanoTime() % 1_000_000);
    run("api", inflight, warmup, measure, i -> http.request(HttpMethod.POST, "/api/models")
        .compose(request -> request.putHeader("content-type", "application/json")
            .send(new JsonObject().put("name", "bench-" + run + "-" + names.incrementAndGet()).encode()))
        .compose(response -> response.body().compose(body -> response.statusCode() == 201
            ? Future.succeededFuture() : Future.failedFuture("HTTP " + response.statusCode() + " " + body))));
  }

  private static void mongoWrites(Vertx vertx, String uri, int inflight, long warmup, long measure) throws Exception {
    MongoClient mongo = MongoClient.create(vertx, new JsonObject().put("connection_string", uri)
        .put("db_name", "mlplatform").put("maxPoolSize", inflight));
    AtomicLong names = new AtomicLong();
    String run = Long.toString(System.nanoTime() % 1_000_000);
    run("mongo", inflight, warmup, measure,
        i -> mongo.insert("bench_models", model("direct-" + run + "-" + names.incrementAndGet())).mapEmpty());
    mongo.close();
  }

  private static void localWrites(Vertx vertx, String kind, Path dir, int inflight, long warmup, long measure)
      throws Exception {
    Files.createDirectories(dir);
    AutoCloseable server;
    String uri;
    if (kind.equals("durable")) {
      EmbeddedMongo durable = EmbeddedMongo.start(dir, 0);
      server = durable;
      uri = durable.connectionString();
    } else {
      MongoServer library = new MongoServer(new H2Backend(dir.resolve("metadata.mv").toString()));
      library.bind("127.0.0.1", 0);
      server = library::shutdownNow;
      uri = "mongodb://127.0.0.1:" + library.getLocalAddress().getPort();
    }
    try {
      mongoWrites(vertx, uri, inflight, warmup, measure);
    } finally {
      server.close();
    }
  }

  /** Keeps {@code inflight} operations going for warm-up then measurement; prints the rate of the measured part. */
  private static void run(String what, int inflight, long warmup, long measure, Function<Long, Future<Void>> op)
      throws Exception {
    long start = System.nanoTime();
    long measureFrom = start + warmup;
    long end = measureFrom + measure;
    AtomicLong done = new AtomicLong();
    AtomicLong failed = new AtomicLong();
    AtomicLong lastError = new AtomicLong();
    CountDownLatch finished = new CountDownLatch(inflight);
    for (int i = 0; i < inflight; i++) {
      loop(op, measureFrom, end, done, failed, finished);
    }
    if (!finished.await(measure / 1_000_000_000L + warmup / 1_000_000_000L + 60, TimeUnit.SECONDS)) {
      throw new IllegalStateException("the operations did not finish");
    }
    double rate = done.get() / (measure / 1e9);
    System.out.printf("%s writes_per_s=%.0f done=%d failed=%d%n", what, rate, done.get(), failed.get());
  }

  private static void loop(Function<Long, Future<Void>> op, long measureFrom, long end, AtomicLong done,
                           AtomicLong failed, CountDownLatch finished) {
    if (System.nanoTime() >= end) {
      finished.countDown();
      return;
    }
    op.apply(0L).onComplete(result -> {
      long now = System.nanoTime();
      if (now >= measureFrom && now < end) {
        if (result.succeeded()) {
          done.incrementAndGet();
        } else if (failed.incrementAndGet() == 1) {
          System.err.println("first failure: " + result.cause());
        }
      }
      loop(op, measureFrom, end, done, failed, finished);
    });
  }

  private static void executions(Vertx vertx, String uri, int n) throws Exception {
    MongoClient mongo = MongoClient.create(vertx, new JsonObject().put("connection_string", uri).put("db_name", "mlplatform"));
    String[] statuses = {"succeeded", "succeeded", "succeeded", "failed", "cancelled"};
    long base = System.currentTimeMillis() - n * 1000L;
    long started = System.nanoTime();
    for (int from = 0; from < n; from += 1000) {
      List<io.vertx.ext.mongo.BulkOperation> batch = new ArrayList<>();
      for (int i = from; i < Math.min(n, from + 1000); i++) {
        String id = java.util.UUID.randomUUID().toString();
        String at = java.time.Instant.ofEpochMilli(base + i * 1000L).toString();
        batch.add(io.vertx.ext.mongo.BulkOperation.createInsert(new JsonObject().put("_id", id).put("id", id)
            .put("type", "transform").put("status", statuses[i % statuses.length])
            .put("request", new JsonObject().put("dataset", "bench").put("output", "out-" + i))
            .put("attempts", 1).put("max_attempts", 3).put("progress", 1.0).put("created_at", at)
            .put("started_at", at).put("finished_at", at).put("cancel_requested", false).put("node", "node-bench")
            .put("lease_until", 0L).put("created_by", (String) null)));
      }
      mongo.bulkWrite("executions", batch).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
    }
    System.out.printf("executions inserted=%d seconds=%.1f%n", n, (System.nanoTime() - started) / 1e9);
    mongo.close();
  }

  private static void dropIndexes(Vertx vertx, String uri, String collection) throws Exception {
    MongoClient mongo = MongoClient.create(vertx, new JsonObject().put("connection_string", uri).put("db_name", "mlplatform"));
    io.vertx.core.json.JsonArray indexes = mongo.listIndexes(collection).toCompletionStage().toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    for (Object index : indexes) {
      String name = ((JsonObject) index).getString("name");
      if (!name.equals("_id_")) {
        mongo.dropIndex(collection, name).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        System.out.println("dropped " + collection + "." + name);
      }
    }
    mongo.close();
  }

  private static void list(Vertx vertx, String base, String query, int repeats) throws Exception {
    java.net.URI uri = java.net.URI.create(base);
    HttpClient http = vertx.createHttpClient(new HttpClientOptions().setDefaultHost(uri.getHost())
        .setDefaultPort(uri.getPort()));
    List<Double> times = new ArrayList<>();
    String total = "?";
    for (int i = 0; i < repeats; i++) {
      long started = System.nanoTime();
      String body = http.request(HttpMethod.GET, "/api/executions?" + query)
          .compose(request -> request.send().compose(response -> response.statusCode() == 200 ? response.body()
              : Future.failedFuture("HTTP " + response.statusCode())))
          .toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS).toString();
      times.add((System.nanoTime() - started) / 1e6);
      total = String.valueOf(new JsonObject(body).getValue("total"));
    }
    times.sort(Double::compare);
    System.out.printf("list query=%s median_ms=%.1f min_ms=%.1f total=%s%n", query, times.get(times.size() / 2),
        times.get(0), total);
  }
}
