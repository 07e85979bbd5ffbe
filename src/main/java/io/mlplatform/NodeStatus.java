package io.mlplatform;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/** What a node knows of itself for its readiness check: its id, roles, whether they all started, the cluster. */
public final class NodeStatus {
  private final String nodeId;
  private final List<String> roles;
  private final boolean clustered;
  private final BooleanSupplier clusterActive;
  private final AtomicBoolean rolesDeployed = new AtomicBoolean();

  public NodeStatus(String nodeId, List<String> roles, boolean clustered, BooleanSupplier clusterActive) {
    this.nodeId = nodeId;
    this.roles = List.copyOf(roles);
    this.clustered = clustered;
    this.clusterActive = clusterActive;
  }

  public String nodeId() {
    return nodeId;
  }

  public List<String> roles() {
    return roles;
  }

  public boolean clustered() {
    return clustered;
  }

  /** True when not clustered, or when this node is a member of the cluster now. */
  public boolean clusterJoined() {
    return !clustered || clusterActive.getAsBoolean();
  }

  public boolean rolesDeployed() {
    return rolesDeployed.get();
  }

  void markRolesDeployed() {
    rolesDeployed.set(true);
  }
}
