package io.mlplatform.runtime.spark;

import org.apache.spark.ml.tree.CategoricalSplit;
import org.apache.spark.ml.tree.ContinuousSplit;
import org.apache.spark.ml.tree.InternalNode;
import org.apache.spark.ml.tree.LeafNode;
import org.apache.spark.ml.tree.Node;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXNode;
import org.tribuo.util.onnx.ONNXRef;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Spark decision trees as one ONNX TreeEnsembleRegressor (ai.onnx.ml): every leaf adds its weighted value to each of
 * the targets, so a sum over trees gives a forest's class probabilities or a boosted model's margin.
 */
final class Trees {
  private final int targets;
  private final List<Integer> treeIds = new ArrayList<>();
  private final List<Integer> nodeIds = new ArrayList<>();
  private final List<Integer> featureIds = new ArrayList<>();
  private final List<Float> thresholds = new ArrayList<>();
  private final List<String> modes = new ArrayList<>();
  private final List<Integer> trueIds = new ArrayList<>();
  private final List<Integer> falseIds = new ArrayList<>();
  private final List<Integer> targetTreeIds = new ArrayList<>();
  private final List<Integer> targetNodeIds = new ArrayList<>();
  private final List<Integer> targetIds = new ArrayList<>();
  private final List<Float> targetWeights = new ArrayList<>();
  private int trees;

  Trees(int targets) {
    this.targets = targets;
  }

  /** A regression tree: its leaves add weight × prediction to the single target. */
  void addRegressor(Node root, double weight) {
    add(root, leaf -> new double[]{weight * leaf.prediction()});
  }

  /** A classification tree: its leaves add weight × the class frequencies of their training rows. */
  void addClassifier(Node root, double weight) {
    add(root, leaf -> {
      double[] counts = leaf.impurityStats().stats();
      double total = java.util.Arrays.stream(counts).sum();
      double[] values = new double[targets];
      for (int i = 0; i < targets && total > 0; i++) {
        values[i] = weight * counts[i] / total;
      }
      return values;
    });
  }

  ONNXNode apply(ONNXContext context, ONNXRef<?> input) {
    Map<String, Object> attributes = new LinkedHashMap<>();
    attributes.put("n_targets", targets);
    attributes.put("aggregate_function", "SUM");
    attributes.put("post_transform", "NONE");
    attributes.put("nodes_treeids", ints(treeIds));
    attributes.put("nodes_nodeids", ints(nodeIds));
    attributes.put("nodes_featureids", ints(featureIds));
    attributes.put("nodes_values", floats(thresholds));
    attributes.put("nodes_modes", modes.toArray(new String[0]));
    attributes.put("nodes_truenodeids", ints(trueIds));
    attributes.put("nodes_falsenodeids", ints(falseIds));
    attributes.put("target_treeids", ints(targetTreeIds));
    attributes.put("target_nodeids", ints(targetNodeIds));
    attributes.put("target_ids", ints(targetIds));
    attributes.put("target_weights", floats(targetWeights));
    return input.apply(MlOperator.TREE_ENSEMBLE_REGRESSOR, attributes);
  }

  private void add(Node root, java.util.function.Function<LeafNode, double[]> leafValues) {
    int tree = trees++;
    List<Node> pending = new ArrayList<>(List.of(root));
    // breadth first: a node's id is its position in this tree's list
    for (int i = 0; i < pending.size(); i++) {
      Node node = pending.get(i);
      treeIds.add(tree);
      nodeIds.add(i);
      if (node instanceof InternalNode internal) {
        if (internal.split() instanceof ContinuousSplit split) {
          featureIds.add(split.featureIndex());
          thresholds.add((float) split.threshold());
          modes.add("BRANCH_LEQ");   // Spark goes left when value <= threshold
        } else if (internal.split() instanceof CategoricalSplit split && split.numCategories() == 2
            && split.leftCategories().length == 1) {
          // a one-hot position (0 or 1): left for 0 is "<= 0.5", left for 1 is "> 0.5"
          featureIds.add(split.featureIndex());
          thresholds.add(0.5f);
          modes.add(split.leftCategories()[0] == 0 ? "BRANCH_LEQ" : "BRANCH_GT");
        } else {
          throw new UnsupportedOperationException("a categorical split over more than two values has no ONNX export"
              + " yet");
        }
        trueIds.add(pending.size());
        pending.add(internal.leftChild());
        falseIds.add(pending.size());
        pending.add(internal.rightChild());
      } else {
        featureIds.add(0);
        thresholds.add(0f);
        modes.add("LEAF");
        trueIds.add(0);
        falseIds.add(0);
        double[] values = leafValues.apply((LeafNode) node);
        for (int target = 0; target < values.length; target++) {
          targetTreeIds.add(tree);
          targetNodeIds.add(i);
          targetIds.add(target);
          targetWeights.add((float) values[target]);
        }
      }
    }
  }

  private static int[] ints(List<Integer> values) {
    return values.stream().mapToInt(Integer::intValue).toArray();
  }

  private static float[] floats(List<Float> values) {
    float[] floats = new float[values.size()];
    for (int i = 0; i < floats.length; i++) {
      floats[i] = values.get(i);
    }
    return floats;
  }
}
