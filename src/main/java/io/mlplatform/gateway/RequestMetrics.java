package io.mlplatform.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Shareable;
import io.vertx.ext.web.RoutingContext;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The API requests this node's gateways answered in the last minute, second by second: counts, errors and latency
 * percentiles, for the whole node and per deployment. Recording is a few atomic increments (it runs on the
 * prediction path); the percentiles come from log-spaced latency buckets, so they are bucket bounds (within 20 %).
 */
final class RequestMetrics implements Shareable {
  static final String PATH = "/api/metrics";
  static final int WINDOW_SECONDS = 60;
  private static final int MAX_DEPLOYMENTS = 1000;
  /** Upper bounds of the latency buckets in microseconds: 20 µs growing by 20 % to over 100 s; the last is open. */
  private static final long[] BOUNDS_MICROS = bounds();
  private static final int REQUESTS = 0;
  private static final int ERRORS = 1;
  private static final int REFUSED = 2;
  private static final int FIRST_BUCKET = 3;

  private final Series node = new Series();
  private final Map<String, Series> deployments = new ConcurrentHashMap<>();

  /** One instance per Vert.x instance: every gateway verticle of the node records into it. */
  static RequestMetrics of(Vertx vertx) {
    return (RequestMetrics) vertx.sharedData().getLocalMap("mlplatform.gateway")
        .computeIfAbsent("request-metrics", key -> new RequestMetrics());
  }

  /** A handler ahead of every route: times each API request (but this one's own) until its response ends. */
  void track(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    String path = request.path();
    if (path.startsWith("/api/") && !path.equals(PATH) || path.startsWith("/v2/")) {
      long start = System.nanoTime();
      ctx.addEndHandler(ended -> record(deploymentOf(path), ctx.response().getStatusCode(),
          (System.nanoTime() - start) / 1000));
    }
    ctx.next();
  }

  /** The deployment a prediction path names ({@code /api/deployments/{name}/predict}, {@code /v2/models/{name}/...infer}). */
  static String deploymentOf(String path) {
    if (path.startsWith("/api/deployments/") && path.endsWith("/predict")) {
      return path.substring("/api/deployments/".length(), path.length() - "/predict".length());
    }
    if (path.startsWith("/v2/models/") && path.endsWith("/infer")) {
      int end = path.indexOf('/', "/v2/models/".length());
      return path.substring("/v2/models/".length(), end);
    }
    return null;
  }

  /** One answered request; {@code deployment} is null unless it was a prediction. */
  void record(String deployment, int status, long micros) {
    long second = System.currentTimeMillis() / 1000;
    int bucket = bucket(micros);
    node.record(second, status, bucket);
    if (deployment != null && status != 404) {
      Series series = deployments.get(deployment);
      if (series == null && deployments.size() < MAX_DEPLOYMENTS) {
        series = deployments.computeIfAbsent(deployment, name -> new Series());
      }
      if (series != null) {
        series.record(second, status, bucket);
      }
    }
  }

  /** The last minute, oldest second first, with a summary; for one deployment when {@code deployment} is set. */
  JsonObject toJson(String deployment) {
    Series series = deployment == null ? node : deployments.getOrDefault(deployment, new Series());
    long now = System.currentTimeMillis() / 1000;
    long[] total = new long[FIRST_BUCKET + BOUNDS_MICROS.length];
    JsonArray seconds = new JsonArray();
    for (long second = now - WINDOW_SECONDS + 1; second <= now; second++) {
      long[] counts = series.read(second);
      for (int i = 0; i < counts.length; i++) {
        total[i] += counts[i];
      }
      seconds.add(summary(counts).put("at", second * 1000));
    }
    return new JsonObject().put("window_seconds", WINDOW_SECONDS).put("deployment", deployment)
        .put("summary", summary(total).put("per_second", total[REQUESTS] / (double) WINDOW_SECONDS))
        .put("seconds", seconds);
  }

  private static JsonObject summary(long[] counts) {
    return new JsonObject().put("requests", counts[REQUESTS]).put("errors", counts[ERRORS])
        .put("refused", counts[REFUSED])
        .put("p50_ms", percentile(counts, 0.50)).put("p95_ms", percentile(counts, 0.95))
        .put("p99_ms", percentile(counts, 0.99));
  }

  /** The upper bound of the bucket holding the percentile, in milliseconds; null without requests. */
  private static Double percentile(long[] counts, double fraction) {
    long requests = counts[REQUESTS];
    if (requests == 0) {
      return null;
    }
    long rank = (long) Math.ceil(requests * fraction);
    long seen = 0;
    for (int i = 0; i < BOUNDS_MICROS.length; i++) {
      seen += counts[FIRST_BUCKET + i];
      if (seen >= rank) {
        return BOUNDS_MICROS[i] / 1000.0;
      }
    }
    return BOUNDS_MICROS[BOUNDS_MICROS.length - 1] / 1000.0;
  }

  private static int bucket(long micros) {
    int index = Arrays.binarySearch(BOUNDS_MICROS, micros);
    return Math.min(index >= 0 ? index : -index - 1, BOUNDS_MICROS.length - 1);
  }

  private static long[] bounds() {
    long[] bounds = new long[72];
    double bound = 20;
    for (int i = 0; i < bounds.length; i++) {
      bounds[i] = Math.round(bound);
      bound *= 1.2;
    }
    return bounds;
  }

  /** A ring of one-second slots; a slot is reset when a new second first lands in it. */
  private static final class Series {
    private final Slot[] slots = new Slot[WINDOW_SECONDS];

    Series() {
      for (int i = 0; i < slots.length; i++) {
        slots[i] = new Slot();
      }
    }

    void record(long second, int status, int bucket) {
      Slot slot = slots[(int) (second % WINDOW_SECONDS)];
      if (slot.second != second) {
        slot.moveTo(second);
      }
      slot.counts.incrementAndGet(REQUESTS);
      if (status >= 500) {
        slot.counts.incrementAndGet(ERRORS);
      } else if (status >= 400) {
        slot.counts.incrementAndGet(REFUSED);
      }
      slot.counts.incrementAndGet(FIRST_BUCKET + bucket);
    }

    long[] read(long second) {
      Slot slot = slots[(int) (second % WINDOW_SECONDS)];
      long[] counts = new long[FIRST_BUCKET + BOUNDS_MICROS.length];
      if (slot.second == second) {
        for (int i = 0; i < counts.length; i++) {
          counts[i] = slot.counts.get(i);
        }
      }
      return counts;
    }
  }

  private static final class Slot {
    private volatile long second = -1;
    private final AtomicLongArray counts = new AtomicLongArray(FIRST_BUCKET + BOUNDS_MICROS.length);

    synchronized void moveTo(long newSecond) {
      if (second < newSecond) {
        for (int i = 0; i < counts.length(); i++) {
          counts.set(i, 0);
        }
        second = newSecond;
      }
    }
  }
}
