package io.mlplatform.runtime.onnx;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxMap;
import ai.onnxruntime.OnnxSequence;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.mlplatform.mcp.McpException;
import io.mlplatform.runtime.DataType;
import io.mlplatform.runtime.InProcessModel;
import io.mlplatform.runtime.Tensor;
import io.mlplatform.runtime.TensorSpec;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An ONNX model in onnxruntime. Scoring is CPU work: it runs on the worker pool it was loaded with. */
public final class OnnxModel extends InProcessModel {
  private final OrtEnvironment environment = OrtEnvironment.getEnvironment();
  private final OrtSession session;

  private OnnxModel(OrtSession session, WorkerExecutor workers) throws OrtException {
    super("onnxruntime", specs(session.getInputInfo()), specs(session.getOutputInfo()), workers);
    this.session = session;
  }

  /** Loads the file (blocking: call it from a worker thread). */
  public static OnnxModel load(Path file, WorkerExecutor workers) throws OrtException {
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    // one thread per call: concurrency comes from batches and replicas, not from oversubscribing two cores
    options.setIntraOpNumThreads(1);
    options.setInterOpNumThreads(1);
    return new OnnxModel(OrtEnvironment.getEnvironment().createSession(file.toString(), options), workers);
  }

  private static List<TensorSpec> specs(Map<String, NodeInfo> nodes) {
    List<TensorSpec> specs = new ArrayList<>();
    for (NodeInfo node : nodes.values()) {
      if (node.getInfo() instanceof TensorInfo tensor) {
        specs.add(new TensorSpec(node.getName(), DataType.fromOnnx(tensor.type.toString()), tensor.getShape()));
      } else {
        // sequences and maps (e.g. per-class probabilities) are served as JSON text, one per row
        specs.add(new TensorSpec(node.getName(), DataType.BYTES, new long[]{-1}));
      }
    }
    return List.copyOf(specs);
  }

  @Override
  protected Map<String, Tensor> run(Map<String, Tensor> batch) throws OrtException {
    Map<String, OnnxTensor> feeds = new HashMap<>();
    try {
      for (Tensor tensor : batch.values()) {
        feeds.put(tensor.name(), toOnnx(tensor));
      }
      try (OrtSession.Result result = session.run(feeds)) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, OnnxValue> output : result) {
          out.put(output.getKey(), fromOnnx(output.getKey(), output.getValue()));
        }
        return out;
      }
    } finally {
      feeds.values().forEach(OnnxTensor::close);
    }
  }

  private OnnxTensor toOnnx(Tensor tensor) throws OrtException {
    long[] shape = tensor.shape();
    return switch (tensor.type()) {
      case FP32 -> OnnxTensor.createTensor(environment, FloatBuffer.wrap((float[]) tensor.data()), shape);
      case FP64 -> OnnxTensor.createTensor(environment, DoubleBuffer.wrap((double[]) tensor.data()), shape);
      case INT64 -> OnnxTensor.createTensor(environment, LongBuffer.wrap((long[]) tensor.data()), shape);
      case INT32 -> OnnxTensor.createTensor(environment, IntBuffer.wrap((int[]) tensor.data()), shape);
      case INT16 -> OnnxTensor.createTensor(environment, ShortBuffer.wrap((short[]) tensor.data()), shape);
      case INT8 -> OnnxTensor.createTensor(environment, ByteBuffer.wrap((byte[]) tensor.data()), shape, OnnxJavaType.INT8);
      case UINT8 -> OnnxTensor.createTensor(environment, ByteBuffer.wrap((byte[]) tensor.data()), shape, OnnxJavaType.UINT8);
      case BOOL -> {
        boolean[] values = (boolean[]) tensor.data();
        ByteBuffer bytes = ByteBuffer.allocate(values.length);
        for (boolean value : values) {
          bytes.put((byte) (value ? 1 : 0));
        }
        bytes.flip();
        yield OnnxTensor.createTensor(environment, bytes, shape, OnnxJavaType.BOOL);
      }
      case BYTES -> OnnxTensor.createTensor(environment, (String[]) tensor.data(), shape);
    };
  }

  private static Tensor fromOnnx(String name, OnnxValue value) throws OrtException {
    if (value instanceof OnnxTensor tensor) {
      TensorInfo info = tensor.getInfo();
      long[] shape = info.getShape();
      DataType type = DataType.fromOnnx(info.type.toString());
      Object data = switch (type) {
        case FP32 -> copy(tensor.getFloatBuffer());
        case FP64 -> copy(tensor.getDoubleBuffer());
        case INT64 -> copy(tensor.getLongBuffer());
        case INT32 -> copy(tensor.getIntBuffer());
        case INT16 -> copy(tensor.getShortBuffer());
        case INT8, UINT8 -> copy(tensor.getByteBuffer());
        case BOOL -> {
          ByteBuffer bytes = tensor.getByteBuffer();
          boolean[] values = new boolean[bytes.remaining()];
          for (int i = 0; i < values.length; i++) {
            values[i] = bytes.get() != 0;
          }
          yield values;
        }
        case BYTES -> flattenStrings(tensor.getValue());
      };
      return new Tensor(name, type, shape, data);
    }
    if (value instanceof OnnxSequence sequence) {
      List<? extends OnnxValue> items = sequence.getValue();
      String[] rows = new String[items.size()];
      for (int i = 0; i < rows.length; i++) {
        rows[i] = toJson(items.get(i)).toString();
      }
      return new Tensor(name, DataType.BYTES, new long[]{rows.length}, rows);
    }
    throw McpException.invalid("output " + name + " has an unsupported ONNX value type");
  }

  private static Object toJson(OnnxValue value) throws OrtException {
    if (value instanceof OnnxMap map) {
      JsonObject object = new JsonObject();
      map.getValue().forEach((k, v) -> object.put(String.valueOf(k), v instanceof Float f ? f.doubleValue() : v));
      return object;
    }
    if (value instanceof OnnxTensor tensor) {
      Object v = tensor.getValue();
      return v instanceof float[] floats ? floatsJson(floats) : String.valueOf(v);
    }
    return String.valueOf(value.getValue());
  }

  private static JsonArray floatsJson(float[] values) {
    JsonArray array = new JsonArray();
    for (float v : values) {
      array.add((double) v);
    }
    return array;
  }

  private static String[] flattenStrings(Object nested) {
    List<String> out = new ArrayList<>();
    flatten(nested, out);
    return out.toArray(new String[0]);
  }

  private static void flatten(Object nested, List<String> out) {
    if (nested instanceof Object[] array) {
      for (Object item : array) {
        flatten(item, out);
      }
    } else {
      out.add(String.valueOf(nested));
    }
  }

  private static float[] copy(FloatBuffer buffer) {
    float[] out = new float[buffer.remaining()];
    buffer.get(out);
    return out;
  }

  private static double[] copy(DoubleBuffer buffer) {
    double[] out = new double[buffer.remaining()];
    buffer.get(out);
    return out;
  }

  private static long[] copy(LongBuffer buffer) {
    long[] out = new long[buffer.remaining()];
    buffer.get(out);
    return out;
  }

  private static int[] copy(IntBuffer buffer) {
    int[] out = new int[buffer.remaining()];
    buffer.get(out);
    return out;
  }

  private static short[] copy(ShortBuffer buffer) {
    short[] out = new short[buffer.remaining()];
    buffer.get(out);
    return out;
  }

  private static byte[] copy(ByteBuffer buffer) {
    byte[] out = new byte[buffer.remaining()];
    buffer.get(out);
    return out;
  }

  @Override
  public void close() {
    try {
      session.close();
    } catch (OrtException e) {
      // the session's native memory is released either way
    }
  }
}
