package io.mlplatform.gateway;

import io.mlplatform.mcp.JsonStreams;
import io.mlplatform.mcp.McpException;
import io.mlplatform.runtime.DataType;
import io.mlplatform.runtime.Tensor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Open Inference Protocol's binary tensor data extension, on the V2 infer routes. A request's
 * {@code Inference-Header-Content-Length} header says how many of its body's first bytes are its JSON; the bytes after
 * it are the data of the inputs whose {@code parameters} give a {@code binary_data_size}, in their order (values
 * little-endian, row-major). Outputs asked for as binary (the request's parameter {@code binary_data_output}, or an
 * output's {@code binary_data}) are answered the same way. The inputs' data is read into the request's JSON as the
 * tensors' own arrays ({@link Tensor#dataJson}), so a replica reads a binary request as it reads a JSON one.
 */
final class BinaryTensors {
  static final String HEADER = "Inference-Header-Content-Length";
  private static final CharSequence OCTET_STREAM = HttpHeaders.createOptimized("application/octet-stream");

  private BinaryTensors() {
  }

  /** The length of the JSON at the head of the request's body, or -1 for a request without binary data. */
  static long jsonLength(HttpServerRequest request) {
    String header = request.getHeader(HEADER);
    if (header == null) {
      return -1;
    }
    try {
      long length = Long.parseLong(header.trim());
      if (length >= 0) {
        return length;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw McpException.invalid(HEADER + " must be the number of bytes of the body's JSON (got '" + header + "')");
  }

  /** The request in {@code body[0, length)}, its first {@code jsonLength} bytes JSON, with its inputs' binary data. */
  static JsonObject parse(byte[] body, int length, long jsonLength) {
    if (jsonLength > length) {
      throw McpException.invalid(HEADER + " (" + jsonLength + ") is more than the body's " + length + " bytes");
    }
    JsonObject request;
    try {
      request = JsonStreams.parseObject(body, 0, (int) jsonLength);
    } catch (DecodeException e) {
      throw McpException.invalid("malformed JSON: the body's first " + jsonLength + " bytes (" + HEADER
          + ") must be a JSON object");
    }
    int at = (int) jsonLength;
    if (request.getValue("inputs") instanceof JsonArray inputs) {
      for (Object item : inputs) {
        if (item instanceof JsonObject tensor && tensor.getValue("parameters") instanceof JsonObject parameters
            && parameters.getValue("binary_data_size") != null) {
          at = readData(tensor, parameters.getValue("binary_data_size"), body, at, length);
        }
      }
    }
    if (at != length) {
      throw McpException.invalid("the body holds " + (length - at) + " bytes after the JSON and the inputs' binary"
          + " data (the sum of their binary_data_size)");
    }
    return request;
  }

  /** Reads one input's binary data, starting at {@code at}, into its JSON; returns where the next one starts. */
  private static int readData(JsonObject tensor, Object declared, byte[] body, int at, int length) {
    String name = tensor.getString("name", "input");
    if (!(declared instanceof Number size) || size.longValue() < 0 || size.doubleValue() != size.longValue()) {
      throw McpException.invalidField(name + ".parameters.binary_data_size", "must be a number of bytes");
    }
    if (size.longValue() > length - at) {
      throw McpException.invalidField(name + ".parameters.binary_data_size", size + " bytes, but the body holds "
          + (length - at) + " bytes of binary data from this input on");
    }
    if (tensor.getValue("data") != null) {
      throw McpException.invalidField(name + ".data", "an input is either data or binary_data_size, not both");
    }
    tensor.put("data", Tensor.fromBinary(tensor, body, at, size.intValue()).dataJson());
    return at + size.intValue();
  }

  /** The outputs a request wants as binary data: each output's own {@code binary_data}, else {@code all}. */
  record Outputs(boolean all, Map<String, Boolean> named) {
    boolean binary(String name) {
      return named.getOrDefault(name, all);
    }
  }

  /**
   * Which outputs a request wants as binary data (the request's {@code binary_data_output}, an output's
   * {@code binary_data}), or null when none; nothing is made for a request that asks for none.
   */
  static Outputs wanted(JsonObject request) {
    boolean all = request.getValue("parameters") instanceof JsonObject parameters
        && Boolean.TRUE.equals(parameters.getValue("binary_data_output"));
    Map<String, Boolean> named = Map.of();
    if (request.getValue("outputs") instanceof JsonArray outputs) {
      for (Object item : outputs) {
        if (item instanceof JsonObject output && output.getValue("parameters") instanceof JsonObject parameters
            && parameters.getValue("binary_data") instanceof Boolean binary && output.getString("name") != null) {
          if (named.isEmpty()) {
            named = new HashMap<>();
          }
          named.put(output.getString("name"), binary);
        }
      }
    }
    return all || named.containsValue(true) ? new Outputs(all, named) : null;
  }

  /**
   * Answers {@code answer}, the outputs {@code wanted} names as binary after its JSON. The answer itself is left as
   * it is (a shadow's comparison reads it too).
   */
  static void respond(HttpServerResponse response, JsonObject answer, Outputs wanted) {
    List<byte[]> data = new ArrayList<>();
    int total = 0;
    // a shallow copy: the outputs are replaced, and the data of the others is not copied value by value
    JsonObject head = new JsonObject(new LinkedHashMap<>(answer.getMap()));
    JsonArray outputs = new JsonArray();
    for (Object item : answer.getJsonArray("outputs", new JsonArray())) {
      JsonObject output = (JsonObject) item;
      String name = output.getString("name");
      if (!wanted.binary(name)) {
        outputs.add(output);
        continue;
      }
      byte[] bytes = Tensor.toBinary(name, DataType.fromWire(name, output.getString("datatype")),
          output.getJsonArray("data", new JsonArray()).getList());
      JsonObject parameters = output.getJsonObject("parameters", new JsonObject()).copy();
      outputs.add(new JsonObject().put("name", name).put("datatype", output.getValue("datatype"))
          .put("shape", output.getValue("shape")).put("parameters", parameters.put("binary_data_size", bytes.length)));
      data.add(bytes);
      total += bytes.length;
    }
    Buffer json = Calls.encode(head.put("outputs", outputs));
    Buffer body = Buffer.buffer(json.length() + total).appendBuffer(json);
    data.forEach(body::appendBytes);
    response.setStatusCode(200).putHeader(HttpHeaders.CONTENT_TYPE, OCTET_STREAM)
        .putHeader(HEADER, Integer.toString(json.length())).end(body);
  }
}
