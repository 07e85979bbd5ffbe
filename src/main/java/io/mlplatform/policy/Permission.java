package io.mlplatform.policy;

/** What an operation needs of its caller. */
public enum Permission {
  /** Reading the registry: get, list, preview, logs, downloads, metrics, events. */
  READ,
  /** Predictions on deployments (the platform's route and the Open Inference Protocol). */
  PREDICT,
  /** Everything that changes something: create, update, delete, run, cancel. */
  WRITE,
  /** API keys. */
  ADMIN;

  public String wireName() {
    return name().toLowerCase();
  }
}
