package io.mlplatform.execution.deployments;

import java.util.Comparator;
import java.util.List;

/**
 * Where a deployment's replicas go: the live execution nodes ranked by rendezvous hashing on the deployment's name,
 * replica i on the i-th of them (wrapping round when there are more replicas than nodes). Every node computes the
 * same answer from the same list, and a node's leaving moves only the replicas it held.
 */
final class Placement {
  private Placement() {
  }

  /** How many replicas of {@code deployment} belong on {@code node}. */
  static int replicasOn(String node, String deployment, int replicas, List<String> liveNodes) {
    if (liveNodes.isEmpty() || !liveNodes.contains(node)) {
      return 0;
    }
    List<String> ranked = liveNodes.stream()
        .sorted(Comparator.comparingLong((String n) -> score(deployment, n)).reversed().thenComparing(n -> n))
        .toList();
    int count = 0;
    for (int i = 0; i < replicas; i++) {
      if (ranked.get(i % ranked.size()).equals(node)) {
        count++;
      }
    }
    return count;
  }

  private static long score(String deployment, String node) {
    long h = 1125899906842597L;
    for (char c : (deployment + "\u0000" + node).toCharArray()) {
      h = 31 * h + c;
    }
    // a 64-bit mix so that similar names spread evenly
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }
}
