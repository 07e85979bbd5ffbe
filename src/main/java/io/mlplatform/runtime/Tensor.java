package io.mlplatform.runtime;

import com.fasterxml.jackson.core.JsonGenerator;
import io.mlplatform.mcp.JsonStreams;
import io.mlplatform.mcp.McpException;
import io.mlplatform.mcp.NumberList;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.RandomAccess;

/**
 * A named, typed tensor with its data flat in row-major order: float[] for FP32, double[] for FP64, long[] for INT64,
 * int[] for INT32, short[] for INT16, byte[] for INT8/UINT8, boolean[] for BOOL, String[] for BYTES.
 */
public record Tensor(String name, DataType type, long[] shape, Object data) {
  /** The most values a tensor of a request may hold. */
  private static final long MAX_VALUES = 50_000_000;

  public int length() {
    return Array.getLength(data);
  }

  /** The size of the first dimension: the number of rows in a batch. */
  public int rows() {
    return shape.length == 0 ? 1 : (int) shape[0];
  }

  /** Values per row: the product of every dimension but the first. */
  public int rowWidth() {
    int width = 1;
    for (int i = 1; i < shape.length; i++) {
      width *= (int) shape[i];
    }
    return width;
  }

  /** A tensor from its V2 JSON form {name, datatype, shape, data}; data may be flat or nested. */
  public static Tensor fromJson(JsonObject json) {
    String name = nameOf(json);
    DataType type = DataType.fromWire(name, json.getString("datatype"));
    long[] shape = shapeOf(name, json);
    int expected = count(shape);
    Object values = json.getValue("data");
    if (!(values instanceof JsonArray array)) {
      throw McpException.invalidField(name + ".data", "is required, as an array");
    }
    // counted before the array is made: a shape of millions with a few values must not take the heap's memory
    long given = countValues(array.getList());
    if (given != expected) {
      throw McpException.invalidField(name + ".data", "shape " + Arrays.toString(shape) + " needs " + expected
          + " values, got " + given);
    }
    Object data = type.newArray(expected);
    fill(name, type, array, data, 0);
    return new Tensor(name, type, shape, data);
  }

  /** The values of {@code values}, nested arrays flattened. */
  private static long countValues(List<?> values) {
    if (values instanceof NumberList || values instanceof Values) {
      return values.size();
    }
    long count = 0;
    for (Object value : values) {
      count += value instanceof JsonArray nested ? countValues(nested.getList())
          : value instanceof List<?> nested ? countValues(nested) : 1;
    }
    return count;
  }

  /**
   * A tensor whose V2 JSON form {name, datatype, shape} comes with its data in the Open Inference Protocol's binary
   * form, {@code bytes[offset, offset + length)}: values little-endian in row-major order, a BOOL one byte, a BYTES
   * value its length (4 bytes) then its UTF-8 bytes.
   */
  public static Tensor fromBinary(JsonObject json, byte[] bytes, int offset, int length) {
    String name = nameOf(json);
    DataType type = DataType.fromWire(name, json.getString("datatype"));
    long[] shape = shapeOf(name, json);
    int expected = count(shape);
    ByteBuffer in = ByteBuffer.wrap(bytes, offset, length).slice().order(ByteOrder.LITTLE_ENDIAN);
    int size = type.byteSize();
    if (size > 0 && (long) expected * size != length) {
      throw McpException.invalidField(name + ".binary_data_size", "shape " + Arrays.toString(shape) + " of " + type
          + " takes " + (long) expected * size + " bytes, not " + length);
    }
    if (size == 0 && 4L * expected > length) {
      throw McpException.invalidField(name + ".binary_data_size", "shape " + Arrays.toString(shape) + " of BYTES"
          + " takes at least " + 4L * expected + " bytes (a length before each value), not " + length);
    }
    Object data = type.newArray(expected);
    switch (type) {
      case FP32 -> in.asFloatBuffer().get((float[]) data);
      case FP64 -> in.asDoubleBuffer().get((double[]) data);
      case INT64 -> in.asLongBuffer().get((long[]) data);
      case INT32 -> in.asIntBuffer().get((int[]) data);
      case INT16 -> in.asShortBuffer().get((short[]) data);
      case INT8, UINT8 -> in.get((byte[]) data);
      case BOOL -> {
        boolean[] flags = (boolean[]) data;
        for (int i = 0; i < expected; i++) {
          flags[i] = in.get() != 0;
        }
      }
      case BYTES -> {
        String[] strings = (String[]) data;
        for (int i = 0; i < expected; i++) {
          long size32 = in.remaining() < 4 ? -1 : Integer.toUnsignedLong(in.getInt());
          if (size32 < 0 || size32 > in.remaining()) {
            throw McpException.invalidField(name + ".binary_data_size", "value " + i + " of " + expected
                + " does not fit in the tensor's " + length + " bytes");
          }
          byte[] text = new byte[(int) size32];
          in.get(text);
          strings[i] = new String(text, StandardCharsets.UTF_8);
        }
        if (in.hasRemaining()) {
          throw McpException.invalidField(name + ".binary_data_size", in.remaining()
              + " bytes left after the tensor's " + expected + " values");
        }
      }
    }
    return new Tensor(name, type, shape, data);
  }

  /**
   * Values of type {@code type} in the binary form {@link #fromBinary} reads: from a tensor's own array when {@code data}
   * is one's {@link #dataJson}, else value by value.
   */
  public static byte[] toBinary(String name, DataType type, List<?> data) {
    if (data instanceof Values view && view.type() == type) {
      return view.binary();
    }
    int count = (int) countValues(data);
    Tensor tensor = new Tensor(name, type, new long[] {count}, type.newArray(count));
    fill(name, type, new JsonArray(data), tensor.data, 0);
    return tensor.new Values(0, count).binary();
  }

  /** The flat data as JSON: a view, which writes itself unboxed and which {@link #fromJson} copies as it is. */
  public JsonArray dataJson() {
    return flatJson(0, length());
  }

  private static String nameOf(JsonObject json) {
    String name = json.getString("name");
    if (name == null || name.isEmpty()) {
      throw McpException.invalidField("inputs", "every tensor needs a name");
    }
    return name;
  }

  private static long[] shapeOf(String name, JsonObject json) {
    Object shapeValue = json.getValue("shape");
    if (shapeValue == null) {
      throw McpException.invalidField(name + ".shape", "is required");
    }
    if (!(shapeValue instanceof JsonArray shapeJson)) {
      throw McpException.invalidField(name + ".shape", "must be an array of non-negative integers, e.g. [1, 4]");
    }
    long[] shape = new long[shapeJson.size()];
    long expected = 1;
    for (int i = 0; i < shape.length; i++) {
      Object dimension = shapeJson.getValue(i);
      if (!(dimension instanceof Number n) || n.longValue() < 0 || n.doubleValue() != Math.rint(n.doubleValue())) {
        throw McpException.invalidField(name + ".shape", "dimensions must be non-negative integers");
      }
      shape[i] = n.longValue();
      expected *= Math.min(shape[i], MAX_VALUES + 1);
      if (expected > MAX_VALUES) {
        throw McpException.invalidField(name + ".shape", "the tensor is too large");
      }
    }
    return shape;
  }

  /** The number of values a shape holds (at most {@link #MAX_VALUES}: checked by {@link #shapeOf}). */
  private static int count(long[] shape) {
    long count = 1;
    for (long dimension : shape) {
      count *= dimension;
    }
    return (int) count;
  }

  private static int fill(String name, DataType type, JsonArray values, Object data, int at) {
    int length = Array.getLength(data);
    if (values.getList() instanceof NumberList numbers && (type == DataType.FP32 || type == DataType.FP64)) {
      return fillReals(name, type, numbers, data, at, length);
    }
    if (values.getList() instanceof Values view && view.type() == type) {
      return view.copyInto(data, at, length);
    }
    for (int i = 0; i < values.size(); i++) {
      Object value = values.getValue(i);
      if (value instanceof JsonArray nested) {
        at = fill(name, type, nested, data, at);
        continue;
      }
      if (at >= length) {
        return at + 1;
      }
      set(name, type, data, at++, value);
    }
    return at;
  }

  /** {@link #fill} of real numbers parsed unboxed: the same values and checks, without a boxed number each. */
  private static int fillReals(String name, DataType type, NumberList numbers, Object data, int at, int length) {
    int count = numbers.size();
    if (at + count > length) {
      return at + count;
    }
    if (type == DataType.FP64) {
      double[] doubles = (double[]) data;
      for (int i = 0; i < count; i++) {
        doubles[at + i] = numbers.doubleAt(i);
      }
    } else {
      float[] floats = (float[]) data;
      for (int i = 0; i < count; i++) {
        floats[at + i] = fp32(name, numbers.doubleAt(i));
      }
    }
    return at + count;
  }

  static void set(String name, DataType type, Object data, int index, Object value) {
    try {
      switch (type) {
        case FP32 -> ((float[]) data)[index] = fp32(name, real(value));
        case FP64 -> ((double[]) data)[index] = real(value);
        case INT64 -> ((long[]) data)[index] = integral(value);
        case INT32 -> ((int[]) data)[index] = Math.toIntExact(integral(value));
        case INT16 -> ((short[]) data)[index] = (short) Math.toIntExact(integral(value));
        case INT8, UINT8 -> ((byte[]) data)[index] = (byte) Math.toIntExact(integral(value));
        case BOOL -> ((boolean[]) data)[index] = (Boolean) value;
        case BYTES -> ((String[]) data)[index] = value instanceof String s ? s : value == null ? "" : String.valueOf(value);
      }
    } catch (ClassCastException | NullPointerException | ArithmeticException e) {
      throw McpException.invalidField(name + ".data", "value " + value + " is not " + type);
    }
  }

  /** A number; null is a missing value (NaN, which a model's imputer replaces); a boolean is 1 or 0. */
  private static double real(Object value) {
    if (value == null) {
      return Double.NaN;
    }
    if (value instanceof Boolean bool) {
      return bool ? 1 : 0;
    }
    return ((Number) value).doubleValue();
  }

  /** A number as FP32: one beyond its range would silently become infinite (and the outputs NaN). */
  private static float fp32(String name, double value) {
    float f = (float) value;
    if (Float.isInfinite(f)) {
      throw McpException.invalidField(name + ".data", "value " + value + " is outside the FP32 range");
    }
    return f;
  }

  private static long integral(Object value) {
    Number n = (Number) value;
    if (n.doubleValue() != Math.rint(n.doubleValue())) {
      throw new ClassCastException();
    }
    return n.longValue();
  }

  /** The V2 JSON form, data flat. */
  public JsonObject toJson() {
    JsonArray shapeJson = new JsonArray();
    for (long dimension : shape) {
      shapeJson.add(dimension);
    }
    return new JsonObject().put("name", name).put("datatype", type.name()).put("shape", shapeJson)
        .put("data", flatJson(0, length()));
  }

  /** Values [from, to) of the flat data as a JSON array: a view, which writes itself unboxed ({@link Values}). */
  JsonArray flatJson(int from, int to) {
    return new JsonArray(new Values(from, to));
  }

  /** A read-only view of part of the flat data, as the JSON values {@link #value} gives. */
  private final class Values extends AbstractList<Object> implements RandomAccess, JsonStreams.Writable {
    private final int from;
    private final int to;

    Values(int from, int to) {
      this.from = from;
      this.to = to;
    }

    @Override
    public Object get(int index) {
      Objects.checkIndex(index, to - from);
      return value(from + index);
    }

    @Override
    public int size() {
      return to - from;
    }

    DataType type() {
      return type;
    }

    /** Copies these values into {@code target} from {@code at} (as {@link #fill} counts: none when they overflow). */
    int copyInto(Object target, int at, int length) {
      int count = to - from;
      if (at + count <= length) {
        System.arraycopy(data, from, target, at, count);
      }
      return at + count;
    }

    /** These values in the binary form {@link #fromBinary} reads. */
    byte[] binary() {
      if (type == DataType.BYTES) {
        return utf8Binary();
      }
      int count = to - from;
      ByteBuffer out = ByteBuffer.allocate(count * type.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
      switch (type) {
        case FP32 -> out.asFloatBuffer().put((float[]) data, from, count);
        case FP64 -> out.asDoubleBuffer().put((double[]) data, from, count);
        case INT64 -> out.asLongBuffer().put((long[]) data, from, count);
        case INT32 -> out.asIntBuffer().put((int[]) data, from, count);
        case INT16 -> out.asShortBuffer().put((short[]) data, from, count);
        case INT8, UINT8 -> out.put((byte[]) data, from, count);
        case BOOL -> {
          boolean[] flags = (boolean[]) data;
          for (int i = from; i < to; i++) {
            out.put((byte) (flags[i] ? 1 : 0));
          }
        }
        default -> throw new IllegalStateException(type + " values have no fixed size");
      }
      return out.array();
    }

    /** BYTES values: each its length in bytes (4, little-endian), then its UTF-8 bytes. */
    private byte[] utf8Binary() {
      String[] strings = (String[]) data;
      byte[][] texts = new byte[to - from][];
      int total = 0;
      for (int i = 0; i < texts.length; i++) {
        String text = strings[from + i];
        texts[i] = text == null ? new byte[0] : text.getBytes(StandardCharsets.UTF_8);
        total += 4 + texts[i].length;
      }
      ByteBuffer out = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
      for (byte[] text : texts) {
        out.putInt(text.length).put(text);
      }
      return out.array();
    }

    @Override
    public void writeValues(JsonGenerator generator) throws IOException {
      switch (type) {
        case FP32 -> {
          float[] values = (float[]) data;
          for (int i = from; i < to; i++) {
            generator.writeNumber(values[i]);
          }
        }
        case FP64 -> {
          double[] values = (double[]) data;
          for (int i = from; i < to; i++) {
            generator.writeNumber(values[i]);
          }
        }
        case INT64 -> {
          long[] values = (long[]) data;
          for (int i = from; i < to; i++) {
            generator.writeNumber(values[i]);
          }
        }
        case INT32 -> {
          int[] values = (int[]) data;
          for (int i = from; i < to; i++) {
            generator.writeNumber(values[i]);
          }
        }
        default -> {
          for (int i = from; i < to; i++) {
            JsonStreams.write(value(i), generator);
          }
        }
      }
    }
  }

  Object value(int index) {
    Object v = Array.get(data, index);
    if (type == DataType.UINT8) {
      return ((Byte) v) & 0xff;
    }
    // a float stays a float: printed as its shortest decimal, not as the long expansion of the double it widens to
    return v;
  }

  /** Row {@code row} of this batch as JSON: a scalar when a row is one value with no inner dimensions. */
  public Object rowJson(int row) {
    int width = rowWidth();
    if (shape.length <= 1) {
      return value(row);
    }
    JsonArray flat = flatJson(row * width, (row + 1) * width);
    return nest(flat, 1);
  }

  private JsonArray nest(JsonArray flat, int dimension) {
    if (dimension >= shape.length - 1) {
      return flat;
    }
    int inner = 1;
    for (int i = dimension + 1; i < shape.length; i++) {
      inner *= (int) shape[i];
    }
    JsonArray out = new JsonArray();
    for (int i = 0; i < flat.size(); i += inner) {
      out.add(nest(new JsonArray(flat.getList().subList(i, i + inner)), dimension + 1));
    }
    return out;
  }

  /** Stacks same-named tensors of several requests along the first dimension. */
  public static Tensor concat(List<Tensor> parts) {
    Tensor first = parts.get(0);
    if (parts.size() == 1) {
      return first;
    }
    int total = 0;
    long rows = 0;
    for (Tensor part : parts) {
      total += part.length();
      rows += part.rows();
    }
    Object data = first.type.newArray(total);
    int at = 0;
    for (Tensor part : parts) {
      System.arraycopy(part.data, 0, data, at, part.length());
      at += part.length();
    }
    long[] shape = first.shape.clone();
    shape[0] = rows;
    return new Tensor(first.name, first.type, shape, data);
  }

  /** Rows [from, from + count) of this batch. */
  public Tensor slice(int from, int count) {
    int width = rowWidth();
    Object data = type.newArray(count * width);
    System.arraycopy(this.data, from * width, data, 0, count * width);
    long[] shape = this.shape.clone();
    shape[0] = count;
    return new Tensor(name, type, shape, data);
  }
}
