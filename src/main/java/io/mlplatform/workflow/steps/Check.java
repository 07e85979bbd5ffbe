package io.mlplatform.workflow.steps;

import io.mlplatform.mcp.McpException;
import io.vertx.core.json.JsonArray;

/** What a step kind may ask of the definition check: each failure names the step it is about. */
public interface Check {
  /** An invalid_argument naming the step and the field. */
  McpException invalid(String field, String message);

  /** Parses the expressions in {@code template} and records the steps they refer to. */
  void expressions(Object template, String field);

  /** The operation must be one a step may call. */
  void operation(String operation, String field);

  /** Checks a nested sequence of steps (a parallel branch): ids unique in the whole definition, no cycle. */
  void sequence(JsonArray steps, String field);

  /** A target of a jump (route branch) must be a step of the same sequence. */
  void target(String stepId, String field);
}
