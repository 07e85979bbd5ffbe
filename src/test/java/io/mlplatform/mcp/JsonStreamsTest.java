package io.mlplatform.mcp;

import io.mlplatform.runtime.DataType;
import io.mlplatform.runtime.Tensor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("fast")
@DisplayName("JsonStreams: the hot path's JSON reads and writes as Vert.x's codec does, numbers unboxed")
class JsonStreamsTest {
  private static final String[] BODIES = {
      "{}",
      "{\"inputs\": [[0.1, 0.2, 0.3, 0.4], [1, 2, 3, 4], [1e-7, -2.5E3, 0, -0.0]]}",
      "{\"inputs\": [{\"name\": \"x\", \"datatype\": \"FP32\", \"shape\": [2, 3], \"data\": [1, 2.5, -3, 4e2, 5, 6]}],"
          + " \"id\": \"r-1\", \"outputs\": [{\"name\": \"y\"}]}",
      // mixed arrays: numbers then other values, and the other way round
      "{\"a\": [1, 2, \"three\", null, true], \"b\": [null, 1.5, 2], \"c\": [], \"d\": [[]], \"e\": [[1], [\"x\"]]}",
      // integers: int range, long range a double holds, beyond it, beyond a long
      "{\"n\": [2147483647, 2147483648, -9007199254740992, 9007199254740993, 123456789012345678901234567890]}",
      "{\"s\": \"caf\u00e9 \\u2603 \\\"quoted\\\"\", \"nested\": {\"deep\": {\"deeper\": [1.25, {\"k\": false}]}}}",
      "{\"dup\": 1, \"dup\": [2, 3]}",
  };

  @Test
  @DisplayName("every body parses to what Vert.x parses, element for element and type for type, and writes the same text")
  void sameAsVertx() {
    for (String body : BODIES) {
      JsonObject vertx = new JsonObject(body);
      JsonObject ours = JsonStreams.parseObject(body.getBytes(StandardCharsets.UTF_8));
      assertThat(ours).as(body).isEqualTo(vertx);
      assertSameTypes(ours.getMap(), vertx.getMap(), body);
      assertThat(JsonStreams.encode(ours).toString()).as(body).isEqualTo(vertx.encode());
      assertThat(JsonStreams.encode(vertx).toString()).as(body).isEqualTo(vertx.encode());
    }
  }

  /** The same value classes all the way down (a Long stays a Long, an Integer an Integer, a Double a Double). */
  private static void assertSameTypes(Object ours, Object theirs, String body) {
    Object a = ours instanceof JsonObject o ? o.getMap() : ours instanceof JsonArray l ? l.getList() : ours;
    Object b = theirs instanceof JsonObject o ? o.getMap() : theirs instanceof JsonArray l ? l.getList() : theirs;
    if (a instanceof java.util.Map<?, ?> map) {
      assertThat(b).isInstanceOf(java.util.Map.class);
      map.forEach((key, value) -> assertSameTypes(value, ((java.util.Map<?, ?>) b).get(key), body));
    } else if (a instanceof List<?> list) {
      assertThat(b).isInstanceOf(List.class);
      assertThat(list).hasSameSizeAs((List<?>) b);
      for (int i = 0; i < list.size(); i++) {
        assertSameTypes(list.get(i), ((List<?>) b).get(i), body);
      }
    } else {
      assertThat(a == null ? null : a.getClass()).as(body + ": " + a).isEqualTo(b == null ? null : b.getClass());
    }
  }

  @Test
  @DisplayName("arrays of numbers are held unboxed; an array with anything else, or an integer a double cannot hold, is not")
  void numbersUnboxed() {
    JsonObject parsed = JsonStreams.parseObject(BODIES[3].replace("\"c\": [],", "\"c\": [1, 2.5],")
        .getBytes(StandardCharsets.UTF_8));
    assertThat(parsed.getJsonArray("c").getList()).isInstanceOf(NumberList.class);
    assertThat(parsed.getJsonArray("a").getList()).isNotInstanceOf(NumberList.class);
    assertThat(parsed.getJsonArray("b").getList()).isNotInstanceOf(NumberList.class);
    JsonObject big = JsonStreams.parseObject(BODIES[4].getBytes(StandardCharsets.UTF_8));
    assertThat(big.getJsonArray("n").getList()).isNotInstanceOf(NumberList.class);
    assertThat(big.getJsonArray("n").getValue(3)).isEqualTo(9007199254740993L);
  }

  @Test
  @DisplayName("what is not exactly one JSON object is refused")
  void malformed() {
    for (String body : List.of("", "[1, 2]", "42", "{\"a\": 1} {}", "{\"a\": [1, 2", "{\"a\": [1, 2,]}", "{a: 1}",
        "{\"a\": NaN}", "{\"a\": 1}x")) {
      assertThatThrownBy(() -> JsonStreams.parseObject(body.getBytes(StandardCharsets.UTF_8))).as(body)
          .isInstanceOf(DecodeException.class);
    }
  }

  @Test
  @DisplayName("a tensor read from unboxed numbers and written from its own array is the tensor Vert.x's JSON gives")
  void tensorsRoundTrip() {
    Random random = new Random(7);
    for (DataType type : List.of(DataType.FP32, DataType.FP64, DataType.INT64, DataType.INT32, DataType.UINT8,
        DataType.BOOL)) {
      JsonArray data = randomData(type, 60, random);
      String body = new JsonObject().put("name", "x").put("datatype", type.name())
          .put("shape", new JsonArray().add(20).add(3)).put("data", data).encode();
      Tensor ours = Tensor.fromJson(JsonStreams.parseObject(body.getBytes(StandardCharsets.UTF_8)));
      Tensor theirs = Tensor.fromJson(new JsonObject(body));
      assertThat(ours.data()).as(type.name()).isEqualTo(theirs.data());
      Buffer written = JsonStreams.encode(ours.toJson());
      assertThat(new JsonObject(written)).as(type.name()).isEqualTo(new JsonObject(theirs.toJson().encode()));
      assertThat(written.toString()).as(type.name()).isEqualTo(theirs.toJson().encode());
    }
  }

  /** {@code count} values of {@code type} as JSON holds them (floats widened to doubles, some strings empty). */
  private static JsonArray randomData(DataType type, int count, Random random) {
    JsonArray data = new JsonArray();
    for (int i = 0; i < count; i++) {
      data.add(switch (type) {
        case FP32 -> (double) (float) random.nextGaussian();
        case FP64 -> random.nextGaussian() * 1e6;
        case INT64 -> random.nextLong() >> 12;
        case INT32 -> random.nextInt();
        case INT16 -> random.nextInt(65536) - 32768;
        case INT8 -> random.nextInt(256) - 128;
        case UINT8 -> random.nextInt(256);
        case BOOL -> random.nextBoolean();
        case BYTES -> i % 5 == 0 ? "" : "caf\u00e9-" + random.nextInt(1000);
      });
    }
    return data;
  }

  @Test
  @DisplayName("every datatype's binary form (V2 binary tensor data) reads back as the tensor its JSON gives, written"
      + " from the tensor's array or from JSON's boxed values alike; a BYTES length past the end is refused")
  void binaryRoundTrip() {
    Random random = new Random(11);
    for (DataType type : DataType.values()) {
      JsonArray data = randomData(type, 24, random);
      JsonObject head = new JsonObject().put("name", "x").put("datatype", type.name())
          .put("shape", new JsonArray().add(8).add(3));
      Tensor fromText = Tensor.fromJson(new JsonObject(head.copy().put("data", data).encode()));
      byte[] fromArray = Tensor.toBinary("x", type, fromText.dataJson().getList());
      byte[] fromBoxed = Tensor.toBinary("x", type, new JsonObject(head.copy().put("data", data).encode())
          .getJsonArray("data").getList());
      assertThat(fromBoxed).as(type.name()).isEqualTo(fromArray);
      if (type.byteSize() > 0) {
        assertThat(fromArray).as(type.name()).hasSize(24 * type.byteSize());
      }
      Tensor read = Tensor.fromBinary(head, fromArray, 0, fromArray.length);
      assertThat(read.data()).as(type.name()).isEqualTo(fromText.data());
      assertThat(Tensor.fromJson(head.copy().put("data", read.dataJson())).data()).as(type.name())
          .isEqualTo(fromText.data());
    }
    JsonObject strings = new JsonObject().put("name", "s").put("datatype", "BYTES")
        .put("shape", new JsonArray().add(2));
    byte[] cut = {3, 0, 0, 0, 'a', 'b', 'c', 9, 0, 0, 0, 'd'};
    assertThatThrownBy(() -> Tensor.fromBinary(strings, cut, 0, cut.length)).isInstanceOf(McpException.class)
        .hasMessageContaining("value 1 of 2 does not fit");
  }

  @Test
  @DisplayName("a value out of FP32's range, or a fraction for an integer type, is still refused when read unboxed")
  void badValuesRefused() {
    String tooLarge = "{\"name\": \"x\", \"datatype\": \"FP32\", \"shape\": [2], \"data\": [1.0, 1e300]}";
    assertThatThrownBy(() -> Tensor.fromJson(JsonStreams.parseObject(tooLarge.getBytes(StandardCharsets.UTF_8))))
        .isInstanceOf(McpException.class).hasMessageContaining("outside the FP32 range");
    String fraction = "{\"name\": \"x\", \"datatype\": \"INT64\", \"shape\": [2], \"data\": [1, 2.5]}";
    assertThatThrownBy(() -> Tensor.fromJson(JsonStreams.parseObject(fraction.getBytes(StandardCharsets.UTF_8))))
        .isInstanceOf(McpException.class).hasMessageContaining("is not INT64");
    String shortData = "{\"name\": \"x\", \"datatype\": \"FP32\", \"shape\": [3], \"data\": [1.5, 2.5]}";
    assertThatThrownBy(() -> Tensor.fromJson(JsonStreams.parseObject(shortData.getBytes(StandardCharsets.UTF_8))))
        .isInstanceOf(McpException.class).hasMessageContaining("needs 3 values, got 2");
    // too many values, read unboxed (numbers only) and boxed (a null among them): both count every value
    for (String extra : List.of("[1, 2, 3, 4, 5]", "[1, null, 3, 4, 5]", "[[1, 2], [3, null], [5]]")) {
      String tooMany = "{\"name\": \"x\", \"datatype\": \"FP32\", \"shape\": [3], \"data\": " + extra + "}";
      assertThatThrownBy(() -> Tensor.fromJson(JsonStreams.parseObject(tooMany.getBytes(StandardCharsets.UTF_8))))
          .as(extra).isInstanceOf(McpException.class).hasMessageContaining("needs 3 values, got 5");
    }
  }
}
