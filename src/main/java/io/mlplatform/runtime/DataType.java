package io.mlplatform.runtime;

import io.mlplatform.mcp.McpException;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** Tensor element types, named as the Open Inference Protocol (KServe V2) names them. */
public enum DataType {
  BOOL, INT8, UINT8, INT16, INT32, INT64, FP32, FP64, BYTES;

  private static final Map<String, DataType> BY_NAME = Arrays.stream(values())
      .collect(Collectors.toUnmodifiableMap(DataType::name, type -> type));

  /** The type a V2 tensor's {@code datatype} names, in any case (the exact name found first: the common one). */
  public static DataType fromWire(String tensor, String name) {
    DataType type = name == null ? null : BY_NAME.get(name);
    if (type == null && name != null) {
      type = BY_NAME.get(name.toUpperCase(Locale.ROOT));
    }
    if (type != null) {
      return type;
    }
    throw McpException.invalidField(tensor + ".datatype", "unsupported datatype " + name
        + " (supported: BOOL, INT8, UINT8, INT16, INT32, INT64, FP32, FP64, BYTES)");
  }

  /** The type an ONNX element type ("float", "int64", "string"…) is served as. */
  public static DataType fromOnnx(String onnxType) {
    return switch (onnxType.toLowerCase(Locale.ROOT)) {
      case "float" -> FP32;
      case "double" -> FP64;
      case "int8" -> INT8;
      case "uint8" -> UINT8;
      case "int16" -> INT16;
      case "int32" -> INT32;
      case "int64" -> INT64;
      case "bool" -> BOOL;
      case "string" -> BYTES;
      default -> throw McpException.invalid("unsupported ONNX element type " + onnxType);
    };
  }

  /** Bytes a value takes in the Open Inference Protocol's binary form; 0 for BYTES (each its own length). */
  public int byteSize() {
    return switch (this) {
      case BOOL, INT8, UINT8 -> 1;
      case INT16 -> 2;
      case INT32, FP32 -> 4;
      case INT64, FP64 -> 8;
      case BYTES -> 0;
    };
  }

  /** A new flat array of this type's Java representation. */
  Object newArray(int length) {
    return switch (this) {
      case BOOL -> new boolean[length];
      case INT8, UINT8 -> new byte[length];
      case INT16 -> new short[length];
      case INT32 -> new int[length];
      case INT64 -> new long[length];
      case FP32 -> new float[length];
      case FP64 -> new double[length];
      case BYTES -> new String[length];
    };
  }
}
