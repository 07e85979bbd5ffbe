package io.mlplatform.node;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

/** What a node knows of itself for its readiness check: its id, roles, whether they all started, the cluster. */
public final class NodeStatus {
  private static final List<String> STORE_ROLES = List.of("gateway", "model", "data", "execution");

  private final String nodeId;
  private final List<String> roles;
  private final boolean clustered;
  private final BooleanSupplier clusterActive;
  private final IntSupplier members;
  private final int expectedMembers;
  private final AtomicBoolean rolesDeployed = new AtomicBoolean();

  public NodeStatus(String nodeId, List<String> roles, boolean clustered, BooleanSupplier clusterActive,
                    IntSupplier members, int expectedMembers) {
    this.nodeId = nodeId;
    this.roles = List.copyOf(roles);
    this.clustered = clustered;
    this.clusterActive = clusterActive;
    this.members = members;
    this.expectedMembers = expectedMembers;
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

  /**
   * True when not clustered, or when this node is a member of the cluster now and sees as many members as it expects
   * (a node cut off from the others, after a pause say, forms a cluster of its own until they merge again).
   */
  public boolean clusterJoined() {
    return !clustered || clusterActive.getAsBoolean() && members() >= expectedMembers;
  }

  /** The members this node sees (itself included); 1 when not clustered. */
  public int members() {
    return clustered ? members.getAsInt() : 1;
  }

  public int expectedMembers() {
    return expectedMembers;
  }

  /** Whether one of its roles reads or writes the object store (every role but the hub). */
  public boolean usesObjectStore() {
    return roles.stream().anyMatch(STORE_ROLES::contains);
  }

  public boolean rolesDeployed() {
    return rolesDeployed.get();
  }

  public void markRolesDeployed() {
    rolesDeployed.set(true);
  }
}
