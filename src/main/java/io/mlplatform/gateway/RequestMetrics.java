package io.mlplatform.gateway;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Shareable;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The requests this node's gateways answered, recorded once per request for two readers: Prometheus' meter
 * {@code mlplatform_http_requests_seconds} (route pattern, method, status code; latency histogram), and the console's
 * last minute, second by second (counts, errors and latency percentiles for the whole node and per deployment,
 * {@code GET /api/metrics}). It runs on the prediction path, so each gateway verticle records into its own
 * {@link Recorder} from its own event loop (no counter is written by two threads, and its meters are looked up in a
 * map of its own, not registered again on every request as Vert.x's HTTP meters were), and a reading sums them. The
 * console's percentiles come from log-spaced latency buckets: they are bucket bounds (within 20 %).
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
  private static final int COUNTERS = FIRST_BUCKET + BOUNDS_MICROS.length;
  /** Where a request's route pattern is kept in its routing context ({@link #routed}). */
  private static final String ROUTE = "mlplatform.route";
  private static final String UNMATCHED = "unmatched";

  private final List<Recorder> recorders = new CopyOnWriteArrayList<>();

  /** One instance per Vert.x instance, shared by the node's gateway verticles. */
  static RequestMetrics of(Vertx vertx) {
    return (RequestMetrics) vertx.sharedData().getLocalMap("mlplatform.gateway")
        .computeIfAbsent("request-metrics", key -> new RequestMetrics());
  }

  /** A recorder for one gateway verticle, with its meters in {@code meters}: only its event loop may use it. */
  Recorder newRecorder(MeterRegistry meters) {
    Recorder recorder = new Recorder(meters);
    recorders.add(recorder);
    return recorder;
  }

  /** The last minute, oldest second first, with a summary; for one deployment when {@code deployment} is set. */
  JsonObject toJson(String deployment) {
    long now = System.currentTimeMillis() / 1000;
    long[] total = new long[COUNTERS];
    JsonArray seconds = new JsonArray();
    for (long second = now - WINDOW_SECONDS + 1; second <= now; second++) {
      long[] counts = new long[COUNTERS];
      for (Recorder recorder : recorders) {
        Series series = deployment == null ? recorder.node : recorder.deployments.get(deployment);
        if (series != null) {
          series.addTo(counts, second);
        }
      }
      for (int i = 0; i < COUNTERS; i++) {
        total[i] += counts[i];
      }
      seconds.add(summary(counts).put("at", second * 1000));
    }
    return new JsonObject().put("window_seconds", WINDOW_SECONDS).put("deployment", deployment)
        .put("summary", summary(total).put("per_second", total[REQUESTS] / (double) WINDOW_SECONDS))
        .put("seconds", seconds);
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

  /**
   * Names the route a request took, for the meters' {@code route} label: a pattern such as
   * {@code /api/deployments/{name}/predict}, never a raw path (names would make new series without end).
   */
  static void routed(RoutingContext ctx, String pattern) {
    ctx.put(ROUTE, pattern);
  }

  /** What one gateway verticle answered; written from its event loop only, read from any thread. */
  static final class Recorder {
    private final Series node = new Series();
    private final Map<String, Series> deployments = new ConcurrentHashMap<>();
    private final MeterRegistry meters;
    private final Map<TimerKey, Timer> timers = new HashMap<>();
    private TimerKey lastKey;
    private Timer lastTimer;

    private record TimerKey(String route, HttpMethod method, int status) {
    }

    Recorder(MeterRegistry meters) {
      this.meters = meters;
    }

    /** A handler ahead of every route: times each request (but the console's own reading) until its response ends. */
    void track(RoutingContext ctx) {
      String path = ctx.request().path();
      long start = System.nanoTime();
      ctx.addEndHandler(ended -> ended(route(ctx), ctx.request().method(), path, ctx.response().getStatusCode(),
          System.nanoTime() - start));
      ctx.next();
    }

    /** One request answered in {@code nanos}, on route pattern {@code route}. */
    private void ended(String route, HttpMethod method, String path, int status, long nanos) {
      timer(route, method, status).record(nanos, TimeUnit.NANOSECONDS);
      if (path.startsWith("/api/") && !path.equals(PATH) || path.startsWith("/v2/")) {
        record(deploymentOf(path), status, nanos / 1000);
      }
    }

    /** A prediction of {@code deployment} (a POST on route pattern {@code route}) answered in {@code nanos}. */
    void predicted(String route, String deployment, int status, long nanos) {
      timer(route, HttpMethod.POST, status).record(nanos, TimeUnit.NANOSECONDS);
      record(deployment, status, nanos / 1000);
    }

    /** The route named by {@link #routed}, else the pattern of the plain route that answered. */
    private static String route(RoutingContext ctx) {
      String named = ctx.get(ROUTE);
      if (named != null) {
        return named;
      }
      Route current = ctx.currentRoute();
      return current != null && current.getPath() != null && ctx.response().getStatusCode() != 404
          ? current.getPath() : UNMATCHED;
    }

    private Timer timer(String route, HttpMethod method, int status) {
      // most requests are of the route, method and status just seen (the same String and HttpMethod instances)
      TimerKey last = lastKey;
      if (last != null && last.route() == route && last.method() == method && last.status() == status) {
        return lastTimer;
      }
      TimerKey key = new TimerKey(route, method, status);
      Timer timer = timers.computeIfAbsent(key, this::newTimer);
      lastKey = key;
      lastTimer = timer;
      return timer;
    }

    private Timer newTimer(TimerKey key) {
      return Timer.builder("mlplatform.http.requests")
          .description("HTTP requests the gateway answered, by route pattern, method and status code")
          .tag("route", key.route()).tag("method", key.method().name()).tag("code", Integer.toString(key.status()))
          .publishPercentileHistogram().register(meters);
    }

    /** One answered request; {@code deployment} is null unless it was a prediction. */
    void record(String deployment, int status, long micros) {
      long second = System.currentTimeMillis() / 1000;
      int bucket = bucket(micros);
      node.record(second, status, bucket);
      if (deployment != null && status != 404) {
        Series series = deployments.get(deployment);
        if (series == null && deployments.size() < MAX_DEPLOYMENTS) {
          series = new Series();
          deployments.put(deployment, series);
        }
        if (series != null) {
          series.record(second, status, bucket);
        }
      }
    }
  }

  /** A ring of one-second slots with one writer; a slot is reset when a new second first lands in it. */
  private static final class Series {
    private final long[] slotSeconds = new long[WINDOW_SECONDS];
    /** Slot by slot, COUNTERS counters each; lazySet publishes them to readers without a locked instruction. */
    private final AtomicLongArray counts = new AtomicLongArray(WINDOW_SECONDS * COUNTERS);
    private final AtomicLongArray published = new AtomicLongArray(WINDOW_SECONDS);

    Series() {
      Arrays.fill(slotSeconds, -1);
      for (int slot = 0; slot < WINDOW_SECONDS; slot++) {
        published.set(slot, -1);
      }
    }

    void record(long second, int status, int bucket) {
      int slot = (int) (second % WINDOW_SECONDS);
      int base = slot * COUNTERS;
      if (slotSeconds[slot] != second) {
        published.lazySet(slot, -1);
        for (int i = 0; i < COUNTERS; i++) {
          counts.lazySet(base + i, 0);
        }
        slotSeconds[slot] = second;
        published.lazySet(slot, second);
      }
      increment(base + REQUESTS);
      if (status >= 500) {
        increment(base + ERRORS);
      } else if (status >= 400) {
        increment(base + REFUSED);
      }
      increment(base + FIRST_BUCKET + bucket);
    }

    private void increment(int index) {
      counts.lazySet(index, counts.get(index) + 1);
    }

    /** Adds this series' counts of {@code second} to {@code into}, when its slot still holds that second. */
    void addTo(long[] into, long second) {
      int slot = (int) (second % WINDOW_SECONDS);
      if (published.get(slot) != second) {
        return;
      }
      int base = slot * COUNTERS;
      for (int i = 0; i < COUNTERS; i++) {
        into[i] += counts.get(base + i);
      }
    }
  }
}
