package io.mlplatform.mcp;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonTokenId;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.EncodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;

import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON read and written with Jackson's streaming parser and generator, for the prediction hot path whose bodies are
 * mostly numbers: arrays of numbers are read into {@link NumberList}s (no boxed value each), and values that know how
 * to write themselves ({@link Writable}, a tensor's data) are written without a boxed value each either. Anything
 * else reads and writes as Vert.x's own codec does: the same objects, the same text.
 */
public final class JsonStreams {
  /** A JSON array's values that write themselves into the generator (between its brackets). */
  public interface Writable {
    void writeValues(JsonGenerator generator) throws IOException;
  }

  /** Reads numbers with the fast double parser, writes doubles and floats with Schubfach (the JDK's are slower). */
  private static final JsonFactory FACTORY = JsonFactory.builder()
      .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER).enable(StreamReadFeature.USE_FAST_BIG_NUMBER_PARSER)
      .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER).build();

  private JsonStreams() {
  }

  /** The JSON object in {@code bytes}; a DecodeException when they are not one JSON object and nothing else. */
  public static JsonObject parseObject(byte[] bytes) {
    return parseObject(bytes, 0, bytes.length);
  }

  /** The JSON object in {@code bytes[offset, offset + length)}, as {@link #parseObject(byte[])} reads it. */
  public static JsonObject parseObject(byte[] bytes, int offset, int length) {
    try (JsonParser parser = FACTORY.createParser(bytes, offset, length)) {
      if (parser.nextToken() == null || parser.currentTokenId() != JsonTokenId.ID_START_OBJECT) {
        throw new DecodeException("not a JSON object");
      }
      Map<String, Object> object = parseObject(parser);
      if (parser.nextToken() != null) {
        throw new DecodeException("Unexpected trailing token");
      }
      return new JsonObject(object);
    } catch (IOException e) {
      throw new DecodeException(e.getMessage(), e);
    }
  }

  private static Object parseAny(JsonParser parser) throws IOException {
    return switch (parser.currentTokenId()) {
      case JsonTokenId.ID_START_OBJECT -> parseObject(parser);
      case JsonTokenId.ID_START_ARRAY -> parseArray(parser);
      case JsonTokenId.ID_STRING -> parser.getText();
      case JsonTokenId.ID_NUMBER_FLOAT, JsonTokenId.ID_NUMBER_INT -> parser.getNumberValue();
      case JsonTokenId.ID_TRUE -> Boolean.TRUE;
      case JsonTokenId.ID_FALSE -> Boolean.FALSE;
      case JsonTokenId.ID_NULL -> null;
      default -> throw new DecodeException("Unexpected token");
    };
  }

  private static Map<String, Object> parseObject(JsonParser parser) throws IOException {
    Map<String, Object> object = new LinkedHashMap<>();
    for (String key = parser.nextFieldName(); key != null; key = parser.nextFieldName()) {
      parser.nextToken();
      object.put(key, parseAny(parser));
    }
    return object;
  }

  /** An array: a {@link NumberList} while its values are numbers a double holds, else a list of parsed values. */
  private static List<Object> parseArray(JsonParser parser) throws IOException {
    NumberList numbers = null;
    List<Object> values = null;
    for (int token = next(parser); token != JsonTokenId.ID_END_ARRAY; token = next(parser)) {
      if (values == null && (token == JsonTokenId.ID_NUMBER_FLOAT || token == JsonTokenId.ID_NUMBER_INT)) {
        if (numbers == null) {
          numbers = new NumberList();
        }
        if (addNumber(parser, token, numbers)) {
          continue;
        }
      }
      if (values == null) {
        values = new ArrayList<>(numbers == null ? 10 : numbers.size() + 10);
        if (numbers != null) {
          values.addAll(numbers);
        }
      }
      values.add(parseAny(parser));
    }
    return values != null ? values : numbers != null && !numbers.isEmpty() ? numbers : new ArrayList<>();
  }

  private static int next(JsonParser parser) throws IOException {
    if (parser.nextToken() == null) {
      throw new DecodeException("unexpected end of input in an array");
    }
    return parser.currentTokenId();
  }

  /** Adds the current number token to {@code numbers} when a double holds it as parsed; false otherwise. */
  private static boolean addNumber(JsonParser parser, int token, NumberList numbers) throws IOException {
    if (token == JsonTokenId.ID_NUMBER_FLOAT) {
      numbers.addDouble(parser.getDoubleValue());
      return true;
    }
    switch (parser.getNumberType()) {
      case INT -> numbers.addInt(parser.getIntValue());
      case LONG -> {
        long value = parser.getLongValue();
        if (!NumberList.fits(value)) {
          return false;
        }
        numbers.addLong(value);
      }
      default -> {
        return false;
      }
    }
    return true;
  }

  /** {@code value} as JSON text in a buffer (written into it as the generator flushes: no copy in between). */
  public static Buffer encode(Object value) {
    Buffer out = Buffer.buffer(256);
    try (JsonGenerator generator = FACTORY.createGenerator(new BufferStream(out))) {
      write(value, generator);
    } catch (IOException e) {
      throw new EncodeException(e.getMessage(), e);
    }
    return out;
  }

  /** An output stream appending to a Vert.x buffer. */
  private static final class BufferStream extends OutputStream {
    private final Buffer buffer;

    BufferStream(Buffer buffer) {
      this.buffer = buffer;
    }

    @Override
    public void write(int b) {
      buffer.appendByte((byte) b);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
      buffer.appendBytes(bytes, offset, length);
    }
  }

  /** Writes {@code value}: containers here, {@link Writable}s by themselves, single values as Vert.x's codec does. */
  public static void write(Object value, JsonGenerator generator) throws IOException {
    if (value instanceof String text) {
      // the commonest value first: a final class's test is one comparison, an interface's a search
      generator.writeString(text);
      return;
    }
    Object json = value instanceof JsonObject object ? object.getMap()
        : value instanceof JsonArray array ? array.getList() : value;
    if (json instanceof Map<?, ?> map) {
      generator.writeStartObject();
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        generator.writeFieldName((String) entry.getKey());
        write(entry.getValue(), generator);
      }
      generator.writeEndObject();
    } else if (json instanceof Writable writable) {
      generator.writeStartArray();
      writable.writeValues(generator);
      generator.writeEndArray();
    } else if (json instanceof List<?> list) {
      generator.writeStartArray();
      for (Object item : list) {
        write(item, generator);
      }
      generator.writeEndArray();
    } else {
      JacksonCodec.encodeJson(json, generator);
    }
  }
}
