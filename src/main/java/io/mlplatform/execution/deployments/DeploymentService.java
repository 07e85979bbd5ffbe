package io.mlplatform.execution.deployments;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * Deployments: the desired state of each (model, versions, traffic, shadow, replicas, batching, logging) and what its
 * replicas report. Answers are the documents the API shows, with an overall status; a failure is an
 * {@link io.mlplatform.mcp.McpException}. The execution server binds it to the {@code deployment.*} operations
 * (predictions go to the replicas themselves).
 */
public interface DeploymentService {
  /**
   * A new deployment from its fields as a request gives them ({@link DeploymentSpec#created}); every version it names
   * must exist and serve online. {@code createdBy} names who asked (null: the platform).
   */
  Future<JsonObject> create(JsonObject fields, String createdBy);

  /** Changes the fields a request gives ({@link DeploymentSpec#CHANGEABLE}); null fields are removed. */
  Future<JsonObject> update(String name, JsonObject changes);

  Future<JsonObject> delete(String name);

  Future<JsonObject> get(String name);

  Future<JsonObject> list(int limit, int offset);
}
