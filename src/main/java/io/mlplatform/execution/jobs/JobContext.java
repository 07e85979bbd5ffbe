package io.mlplatform.execution.jobs;

import io.vertx.core.json.JsonObject;
import org.apache.spark.sql.SparkSession;

/** What a running job may use: its request, the node's Spark session, and ways to report progress and log lines. */
public interface JobContext {
  String id();

  JsonObject request();

  /** The Spark session, with this execution's job group set on the calling thread (so it can be cancelled). */
  SparkSession spark();

  void progress(double fraction);

  void log(String line);

  /**
   * Sends an MCP request through the hub on behalf of whoever queued the execution (refused when they may not make
   * it) and waits for its result (blocking: jobs run on worker threads).
   */
  JsonObject call(String operation, JsonObject payload) throws Exception;
}
