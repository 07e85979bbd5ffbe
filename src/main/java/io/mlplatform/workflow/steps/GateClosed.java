package io.mlplatform.workflow.steps;

/** A gate whose condition does not hold: the run stops with the gate's reason (not an error of the platform). */
public final class GateClosed extends RuntimeException {
  public GateClosed(String reason) {
    super(reason, null, false, false);
  }
}
