package io.mlplatform.workflow;

import java.util.Set;
import java.util.TreeSet;

/**
 * The platform operations a workflow step may call through the hub (predictions go to a deployment instead), each
 * allowed only when the run's caller may perform it.
 */
public final class Operations {
  public static final Set<String> CALLABLE = new TreeSet<>(Set.of(
      "model.create", "model.list", "model.get", "model.update", "model.delete",
      "model.version.create", "model.version.list", "model.version.get", "model.alias.set", "model.alias.delete",
      "dataset.list", "dataset.get", "dataset.delete", "dataset.version.list", "dataset.version.get",
      "dataset.version.preview",
      "deployment.create", "deployment.list", "deployment.get", "deployment.update", "deployment.delete",
      "execution.create", "execution.list", "execution.get", "execution.logs", "execution.cancel",
      "key.list"));

  private Operations() {
  }
}
