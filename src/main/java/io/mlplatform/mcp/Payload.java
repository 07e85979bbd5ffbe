package io.mlplatform.mcp;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Reads and checks the fields of a request payload; every failure is an invalid_argument naming the field. */
public final class Payload {
  private static final int MAX_TEXT = 10_000;

  private final JsonObject json;

  public Payload(JsonObject json) {
    this.json = json == null ? new JsonObject() : json;
  }

  public JsonObject json() {
    return json;
  }

  /** A required resource name: letters, digits, '.', '_', '-', at most 128 characters, no "..". */
  public String name(String field) {
    String value = string(field);
    checkName(field, value);
    return value;
  }

  /**
   * Whether {@code value} is a name: 1 to 128 ASCII letters, digits, '.', '_' or '-', the first a letter or digit,
   * no ".." (checked a character at a time: every prediction names its deployment).
   */
  static boolean isName(String value) {
    int length = value.length();
    if (length == 0 || length > 128 || !letterOrDigit(value.charAt(0))) {
      return false;
    }
    for (int i = 1; i < length; i++) {
      char c = value.charAt(i);
      if (!letterOrDigit(c) && c != '_' && c != '-' && (c != '.' || value.charAt(i - 1) == '.')) {
        return false;
      }
    }
    return true;
  }

  private static boolean letterOrDigit(char c) {
    return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
  }

  public static void checkName(String field, String value) {
    if (!isName(value)) {
      throw McpException.invalidField(field, "must be 1 to 128 letters, digits, '.', '_' or '-', start with a letter"
          + " or digit and not contain '..' (got " + printable(value) + ")");
    }
  }

  public String string(String field) {
    String value = optionalString(field);
    if (value == null || value.isEmpty()) {
      throw McpException.invalidField(field, "is required");
    }
    return value;
  }

  public String optionalString(String field) {
    Object value = json.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String text)) {
      throw McpException.invalidField(field, "must be a string");
    }
    if (text.length() > MAX_TEXT) {
      throw McpException.invalidField(field, "must be at most " + MAX_TEXT + " characters");
    }
    return text;
  }

  public int optionalInt(String field, int defaultValue, int min, int max) {
    Object value = json.getValue(field);
    if (value == null) {
      return defaultValue;
    }
    if (!(value instanceof Number number) || number.doubleValue() != Math.rint(number.doubleValue())) {
      throw McpException.invalidField(field, "must be an integer");
    }
    long n = number.longValue();
    if (n < min || n > max) {
      throw McpException.invalidField(field, "must be between " + min + " and " + max);
    }
    return (int) n;
  }

  /** A page's size: {@code limit}, 1 to 1000, {@code byDefault} when absent. */
  public int limit(int byDefault) {
    return optionalInt("limit", byDefault, 1, 1000);
  }

  /** How many items a page skips: {@code offset}, 0 when absent. */
  public int offset() {
    return optionalInt("offset", 0, 0, Integer.MAX_VALUE);
  }

  public JsonObject object(String field) {
    JsonObject value = optionalObject(field);
    if (value == null) {
      throw McpException.invalidField(field, "is required");
    }
    return value;
  }

  public JsonObject optionalObject(String field) {
    Object value = json.getValue(field);
    if (value == null) {
      return null;
    }
    if (!(value instanceof JsonObject object)) {
      throw McpException.invalidField(field, "must be a JSON object");
    }
    return object;
  }

  /** A user-supplied JSON object stored as is: its keys anywhere must not start with '$' nor contain '.'. */
  public JsonObject userObject(String field) {
    JsonObject value = optionalObject(field);
    if (value != null) {
      checkUserJson(field, value);
    }
    return value;
  }

  /** Tags: a flat object of string values. */
  public JsonObject tags(String field) {
    JsonObject tags = userObject(field);
    if (tags != null) {
      for (String key : tags.fieldNames()) {
        if (!(tags.getValue(key) instanceof String)) {
          throw McpException.invalidField(field + "." + key, "must be a string");
        }
      }
    }
    return tags;
  }

  /** Rejects operator injection: no key starting with '$', containing '.' or a NUL, at any depth. */
  public static void checkUserJson(String path, Object value) {
    if (value instanceof JsonObject object) {
      for (String key : object.fieldNames()) {
        if (key.isEmpty() || key.startsWith("$") || key.indexOf('.') >= 0 || key.indexOf('\0') >= 0) {
          throw McpException.invalidField(path, "key " + printable(key)
              + " is not allowed (keys must be non-empty, not start with '$' and not contain '.')");
        }
        checkUserJson(path + "." + key, object.getValue(key));
      }
    } else if (value instanceof JsonArray array) {
      for (int i = 0; i < array.size(); i++) {
        checkUserJson(path + "[" + i + "]", array.getValue(i));
      }
    }
  }

  /** A value quoted for an error message, with control characters made visible. */
  public static String printable(String value) {
    StringBuilder out = new StringBuilder("'");
    value.codePoints().limit(140).forEach(c -> {
      if (Character.isISOControl(c)) {
        out.append(String.format("\\u%04x", c));
      } else {
        out.appendCodePoint(c);
      }
    });
    return out.append("'").toString();
  }
}
