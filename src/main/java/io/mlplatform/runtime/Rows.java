package io.mlplatform.runtime;

import io.mlplatform.mcp.McpException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The platform's row form of a prediction: each row an array (the values of a single input, or one value per input
 * in signature order) or an object keyed by input names. Converts rows to input tensors and output tensors to rows.
 */
public final class Rows {
  private static final int MAX_ROWS = 100_000;

  private Rows() {
  }

  public static Map<String, Tensor> toTensors(List<TensorSpec> specs, JsonArray rows) {
    if (rows == null || rows.isEmpty()) {
      throw McpException.invalidField("inputs", "must be a non-empty array of rows");
    }
    if (rows.size() > MAX_ROWS) {
      throw McpException.invalidField("inputs", "at most " + MAX_ROWS + " rows a request");
    }
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (int s = 0; s < specs.size(); s++) {
      TensorSpec spec = specs.get(s);
      int width = spec.rowWidth();
      if (width < 0) {
        width = flatCount(valueOf(specs, s, rows.getValue(0), 0));
      }
      Object data = spec.type().newArray(width * rows.size());
      for (int r = 0; r < rows.size(); r++) {
        Object value = valueOf(specs, s, rows.getValue(r), r);
        int written = write(spec, value, data, r * width, width, r);
        if (written != width) {
          throw McpException.invalidField("inputs[" + r + "]", "input '" + spec.name() + "' needs " + width
              + " values a row (shape " + Arrays.toString(spec.shape()) + "), got " + written);
        }
      }
      long[] shape = spec.shape().clone();
      if (shape.length == 0) {
        shape = new long[]{rows.size()};
      }
      shape[0] = rows.size();
      for (int i = 1; i < shape.length; i++) {
        if (shape[i] < 0) {
          shape[i] = width;
        }
      }
      tensors.put(spec.name(), new Tensor(spec.name(), spec.type(), shape, data));
    }
    return tensors;
  }

  private static Object valueOf(List<TensorSpec> specs, int index, Object row, int r) {
    TensorSpec spec = specs.get(index);
    if (row instanceof JsonObject object) {
      if (!object.containsKey(spec.name())) {
        throw McpException.invalidField("inputs[" + r + "]", "missing input '" + spec.name() + "'");
      }
      return object.getValue(spec.name());
    }
    if (row instanceof JsonArray array) {
      if (specs.size() == 1) {
        return array;
      }
      if (array.size() != specs.size()) {
        throw McpException.invalidField("inputs[" + r + "]", "a row as an array needs one value per input "
            + specs.stream().map(TensorSpec::name).toList() + "; or send objects keyed by input name");
      }
      return array.getValue(index);
    }
    if (specs.size() == 1 && row != null) {
      return row;
    }
    throw McpException.invalidField("inputs[" + r + "]", "a row must be an array or an object");
  }

  private static int flatCount(Object value) {
    if (value instanceof JsonArray array) {
      int count = 0;
      for (Object item : array) {
        count += flatCount(item);
      }
      return count;
    }
    return 1;
  }

  private static int write(TensorSpec spec, Object value, Object data, int at, int width, int row) {
    if (value instanceof JsonArray array) {
      int written = 0;
      for (Object item : array) {
        written += write(spec, item, data, at + written, width - written, row);
      }
      return written;
    }
    if (width <= 0) {
      return 1;
    }
    try {
      Tensor.set(spec.name(), spec.type(), data, at, value);
    } catch (McpException e) {
      throw McpException.invalidField("inputs[" + row + "]", "input '" + spec.name() + "': value " + value
          + " is not " + spec.type());
    }
    return 1;
  }

  /** One JSON object per row, keyed by output name. */
  public static JsonArray fromTensors(Map<String, Tensor> outputs) {
    JsonArray rows = new JsonArray();
    int count = outputs.values().stream().mapToInt(Tensor::rows).max().orElse(0);
    for (int r = 0; r < count; r++) {
      JsonObject row = new JsonObject();
      for (Tensor tensor : outputs.values()) {
        row.put(tensor.name(), r < tensor.rows() ? tensor.rowJson(r) : null);
      }
      rows.add(row);
    }
    return rows;
  }
}
