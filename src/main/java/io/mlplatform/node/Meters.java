package io.mlplatform.node;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.micrometer.backends.BackendRegistries;

import java.util.EnumSet;
import java.util.List;

/**
 * The node's meters, scraped at {@code GET /metrics} in Prometheus' text format: Vert.x's own (the event bus by
 * address, worker pools), the JVM's (memory, GC, threads), and the platform's (HTTP requests by route, method and
 * status, predictions, batches, executions, workflow runs; named {@code mlplatform_*}). One registry per node, named after
 * it, so that several nodes in one JVM (the tests) each count their own.
 */
public final class Meters {
  private static final String MAP = "mlplatform.node";
  private static final String KEY = "meter-registry";
  /** What a component records into when its Vert.x has no metrics (a registry with no backend: nothing is kept). */
  private static final MeterRegistry NONE = new CompositeMeterRegistry();

  private Meters() {
  }

  /**
   * The Vert.x metrics options of a node: Micrometer with a Prometheus registry of that name. Vert.x's HTTP and TCP
   * meters are off (the gateway records {@code mlplatform_http_requests_seconds} itself, from meters it holds: Vert.x's
   * looked each meter up in the registry on every request, about a tenth of a prediction's gateway time); its
   * event-bus meters only with {@code vertxMeters}.
   */
  public static MicrometerMetricsOptions options(String registryName, boolean vertxMeters) {
    MicrometerMetricsOptions options = new MicrometerMetricsOptions().setEnabled(true).setRegistryName(registryName)
        .setJvmMetricsEnabled(true)
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true).setPublishQuantiles(true))
        // bounded label values only: event-bus addresses, pools
        .setLabels(EnumSet.of(Label.EB_ADDRESS, Label.EB_FAILURE, Label.POOL_TYPE, Label.POOL_NAME));
    for (MetricsDomain domain : List.of(MetricsDomain.HTTP_SERVER, MetricsDomain.NET_SERVER, MetricsDomain.HTTP_CLIENT,
        MetricsDomain.NET_CLIENT)) {
      options.addDisabledMetricsCategory(domain);
    }
    if (!vertxMeters) {
      // recorded on every message; pools, the JVM's and the platform's stay
      options.addDisabledMetricsCategory(MetricsDomain.EVENT_BUS);
    }
    return options;
  }

  /** Remembers which registry this Vert.x records into. */
  public static void bind(Vertx vertx, String registryName) {
    vertx.sharedData().getLocalMap(MAP).put(KEY, registryName);
  }

  /** The registry's name, or null when this Vert.x has none. */
  public static String registryName(Vertx vertx) {
    return (String) vertx.sharedData().getLocalMap(MAP).get(KEY);
  }

  /** The registry of this node. */
  public static MeterRegistry of(Vertx vertx) {
    String name = registryName(vertx);
    MeterRegistry registry = name == null ? null : BackendRegistries.getNow(name);
    return registry == null ? NONE : registry;
  }
}
