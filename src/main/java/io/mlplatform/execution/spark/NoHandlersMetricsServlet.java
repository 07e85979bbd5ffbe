package io.mlplatform.execution.spark;

import com.codahale.metrics.MetricRegistry;
import org.apache.spark.SparkConf;
import org.apache.spark.metrics.sink.MetricsServlet;
import org.sparkproject.jetty.servlet.ServletContextHandler;

import java.util.Properties;

/**
 * Spark's metrics servlet sink without its Jetty handler: building that handler needs the Servlet 5 API, and this JVM
 * carries Servlet 6 for the embedded S3 server (Spark's UI is off here for the same reason).
 */
public final class NoHandlersMetricsServlet extends MetricsServlet {
  public NoHandlersMetricsServlet(Properties properties, MetricRegistry registry) {
    super(properties, registry);
  }

  @Override
  public ServletContextHandler[] getHandlers(SparkConf conf) {
    return new ServletContextHandler[0];
  }
}
