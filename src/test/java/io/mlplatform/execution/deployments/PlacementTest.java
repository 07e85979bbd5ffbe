package io.mlplatform.execution.deployments;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("fast")
@DisplayName("Placement: every node computes the same replicas for itself, spread evenly, stable when a node leaves")
class PlacementTest {
  private static final List<String> NODES = List.of("node-a", "node-b", "node-c", "node-d", "node-e");

  /** How many replicas each node of {@code live} takes, as each would compute it for itself. */
  private static Map<String, Integer> placed(String deployment, int replicas, List<String> live) {
    Map<String, Integer> counts = new LinkedHashMap<>();
    for (String node : live) {
      counts.put(node, Placement.replicasOn(node, deployment, replicas, live));
    }
    return counts;
  }

  private static int total(Map<String, Integer> counts) {
    return counts.values().stream().mapToInt(Integer::intValue).sum();
  }

  @Test
  @DisplayName("the nodes' own answers add up to exactly the replicas asked for, whether fewer or more than the nodes")
  void everyReplicaPlacedOnce() {
    for (int replicas = 0; replicas <= 12; replicas++) {
      for (int d = 0; d < 20; d++) {
        assertThat(total(placed("model-" + d, replicas, NODES))).as("%d replicas of model-%d", replicas, d)
            .isEqualTo(replicas);
      }
    }
  }

  @Test
  @DisplayName("replicas spread evenly: no node holds two while another holds none, and more replicas than nodes wrap round")
  void evenSpread() {
    for (int replicas = 1; replicas <= 12; replicas++) {
      Map<String, Integer> counts = placed("fraud-scorer", replicas, NODES);
      int least = Collections.min(counts.values());
      int most = Collections.max(counts.values());
      assertThat(most - least).as("%d replicas: %s", replicas, counts).isLessThanOrEqualTo(1);
      assertThat(most).isEqualTo((replicas + NODES.size() - 1) / NODES.size());
    }
  }

  @Test
  @DisplayName("the order in which a node learns of the live nodes does not change the answer")
  void orderOfLiveNodesDoesNotMatter() {
    Random random = new Random(7);
    for (int d = 0; d < 20; d++) {
      String deployment = "churn-" + d;
      Map<String, Integer> expected = placed(deployment, 3, NODES);
      for (int round = 0; round < 5; round++) {
        List<String> shuffled = new ArrayList<>(NODES);
        Collections.shuffle(shuffled, random);
        for (String node : NODES) {
          assertThat(Placement.replicasOn(node, deployment, 3, shuffled)).isEqualTo(expected.get(node));
        }
      }
    }
  }

  @Test
  @DisplayName("a node outside the live list, or an empty list, is given no replica")
  void deadNodeGetsNothing() {
    assertThat(Placement.replicasOn("node-z", "fraud-scorer", 3, NODES)).isZero();
    assertThat(Placement.replicasOn("node-a", "fraud-scorer", 3, List.of())).isZero();
    assertThat(Placement.replicasOn("node-a", "fraud-scorer", 3, List.of("node-a"))).isEqualTo(3);
  }

  @Test
  @DisplayName("when a node leaves, only the replicas it held move: every other holder keeps its own")
  void leavingMovesOnlyItsReplicas() {
    for (int d = 0; d < 50; d++) {
      String deployment = "model-" + d;
      int replicas = 1 + d % (NODES.size() - 1);
      Map<String, Integer> before = placed(deployment, replicas, NODES);
      for (String leaving : NODES) {
        List<String> rest = new ArrayList<>(NODES);
        rest.remove(leaving);
        Map<String, Integer> after = placed(deployment, replicas, rest);
        assertThat(total(after)).isEqualTo(replicas);
        int moved = 0;
        for (String node : rest) {
          assertThat(after.get(node)).as("%s after %s left", node, leaving).isGreaterThanOrEqualTo(before.get(node));
          moved += after.get(node) - before.get(node);
        }
        assertThat(moved).isEqualTo(before.get(leaving));
      }
    }
  }

  @Test
  @DisplayName("many single-replica deployments are shared across all nodes, none taking more than twice its share")
  void deploymentsSpreadAcrossNodes() {
    Map<String, Integer> load = new LinkedHashMap<>();
    NODES.forEach(node -> load.put(node, 0));
    int deployments = 500;
    for (int d = 0; d < deployments; d++) {
      placed("deployment-" + d, 1, NODES).forEach((node, count) -> load.merge(node, count, Integer::sum));
    }
    int share = deployments / NODES.size();
    assertThat(load.values()).as("%s", load).allSatisfy(count -> assertThat(count).isBetween(share / 2, share * 2));
  }
}
