package io.mlplatform.runtime.spark;

import ai.onnx.proto.OnnxMl.AttributeProto.AttributeType;
import org.tribuo.util.onnx.ONNXAttribute;
import org.tribuo.util.onnx.ONNXOperator;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** ONNX operators that Tribuo's operator set lacks: one input, one output, the attributes named with their types. */
final class MlOperator implements ONNXOperator {
  static final String ML = "ai.onnx.ml";

  /** ai.onnx.ml TreeEnsembleRegressor v3: every tree's leaves add weighted values to the targets. */
  static final MlOperator TREE_ENSEMBLE_REGRESSOR = new MlOperator("TreeEnsembleRegressor", ML, 3, Map.ofEntries(
      Map.entry("n_targets", AttributeType.INT), Map.entry("aggregate_function", AttributeType.STRING),
      Map.entry("post_transform", AttributeType.STRING), Map.entry("nodes_treeids", AttributeType.INTS),
      Map.entry("nodes_nodeids", AttributeType.INTS), Map.entry("nodes_featureids", AttributeType.INTS),
      Map.entry("nodes_truenodeids", AttributeType.INTS), Map.entry("nodes_falsenodeids", AttributeType.INTS),
      Map.entry("target_treeids", AttributeType.INTS), Map.entry("target_nodeids", AttributeType.INTS),
      Map.entry("target_ids", AttributeType.INTS), Map.entry("nodes_values", AttributeType.FLOATS),
      Map.entry("target_weights", AttributeType.FLOATS), Map.entry("nodes_modes", AttributeType.STRINGS)));

  /** ai.onnx.ml OneHotEncoder v1: strings [n, 1] → [n, 1, categories]; with zeros = 1 an unknown value is all zeros. */
  static final MlOperator ONE_HOT_ENCODER = new MlOperator("OneHotEncoder", ML, 1, Map.of(
      "cats_strings", AttributeType.STRINGS, "zeros", AttributeType.INT));

  /** ai.onnx.ml Imputer v1: each column's replaced value (NaN here: a missing number) becomes its imputed value. */
  static final MlOperator IMPUTER = new MlOperator("Imputer", ML, 1, Map.of(
      "imputed_value_floats", AttributeType.FLOATS, "replaced_value_float", AttributeType.FLOAT));

  /** Flatten (ai.onnx): [n, d1, d2, …] → [n, d1 × d2 × …] with axis 1. */
  static final MlOperator FLATTEN = new MlOperator("Flatten", "", 13, Map.of("axis", AttributeType.INT));

  private final String name;
  private final String domain;
  private final int version;
  private final Map<String, ONNXAttribute> attributes = new LinkedHashMap<>();

  private MlOperator(String name, String domain, int version, Map<String, AttributeType> attributes) {
    this.name = name;
    this.domain = domain;
    this.version = version;
    attributes.forEach((attribute, type) -> this.attributes.put(attribute, new ONNXAttribute(attribute, type, false)));
  }

  @Override
  public String getOpName() {
    return name;
  }

  @Override
  public int getNumInputs() {
    return 1;
  }

  @Override
  public int getNumOptionalInputs() {
    return 0;
  }

  @Override
  public int getNumOutputs() {
    return 1;
  }

  @Override
  public Map<String, ONNXAttribute> getAttributes() {
    return attributes;
  }

  @Override
  public Set<String> getMandatoryAttributeNames() {
    return Set.of();
  }

  @Override
  public int getOpVersion() {
    return version;
  }

  @Override
  public String getOpDomain() {
    return domain;
  }
}
