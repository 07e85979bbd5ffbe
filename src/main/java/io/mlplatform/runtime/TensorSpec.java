package io.mlplatform.runtime;

import io.mlplatform.mcp.McpException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** What a model expects or gives: a tensor's name, datatype and shape, -1 standing for "any size". */
public record TensorSpec(String name, DataType type, long[] shape) {

  /** The V2 metadata form {name, datatype, shape}. */
  public JsonObject toJson() {
    JsonArray dims = new JsonArray();
    for (long dimension : shape) {
      dims.add(dimension);
    }
    return new JsonObject().put("name", name).put("datatype", type.name()).put("shape", dims);
  }

  /** Values per row when the inner dimensions are fixed, or -1 when one of them is free. */
  public int rowWidth() {
    int width = 1;
    for (int i = 1; i < shape.length; i++) {
      if (shape[i] < 0) {
        return -1;
      }
      width *= (int) shape[i];
    }
    return width;
  }

  /** Checks a request's tensors against the model's inputs: each present, of its type and shape. */
  public static void check(List<TensorSpec> specs, Map<String, Tensor> tensors) {
    for (String name : tensors.keySet()) {
      if (!named(specs, name)) {
        throw McpException.invalidField(name, "the model has no input named '" + name + "' (inputs: "
            + specs.stream().map(TensorSpec::name).toList() + ")");
      }
    }
    Integer rows = null;
    for (TensorSpec spec : specs) {
      Tensor tensor = tensors.get(spec.name);
      if (tensor == null) {
        throw McpException.invalidField(spec.name, "input '" + spec.name + "' is missing (expected "
            + spec.type + " " + Arrays.toString(spec.shape) + ")");
      }
      if (tensor.type() != spec.type) {
        throw McpException.invalidField(spec.name, "input '" + spec.name + "' must be " + spec.type + ", got "
            + tensor.type());
      }
      if (!fits(spec.shape, tensor.shape())) {
        throw McpException.invalidField(spec.name, "input '" + spec.name + "' has shape "
            + Arrays.toString(tensor.shape()) + ", expected " + Arrays.toString(spec.shape));
      }
      if (rows != null && tensor.rows() != rows) {
        throw McpException.invalidField(spec.name, "every input must have the same number of rows");
      }
      rows = tensor.rows();
    }
  }

  private static boolean named(List<TensorSpec> specs, String name) {
    for (TensorSpec spec : specs) {
      if (spec.name.equals(name)) {
        return true;
      }
    }
    return false;
  }

  private static boolean fits(long[] expected, long[] actual) {
    if (expected.length != actual.length) {
      return false;
    }
    for (int i = 0; i < expected.length; i++) {
      if (expected[i] >= 0 && expected[i] != actual[i]) {
        return false;
      }
    }
    return true;
  }
}
