package io.mlplatform.agents;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** The JSON Schemas (2020-12) of the tools' inputs and outputs, built from a few shapes the platform uses everywhere. */
final class Schemas {
  static final String NAME_PATTERN = "^(?!.*[.][.])[A-Za-z0-9][A-Za-z0-9._-]{0,127}$";
  static final String VERSION_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$";
  static final String ID_PATTERN = "^[0-9a-f-]{36}$";

  private Schemas() {
  }

  /** An object with these properties, of which {@code required} must be there; no other property is accepted. */
  static JsonObject input(JsonObject properties, String... required) {
    return object(properties, required).put("additionalProperties", false);
  }

  /** An object with these properties (others may be there too: outputs grow). */
  static JsonObject object(JsonObject properties, String... required) {
    JsonObject schema = new JsonObject().put("type", "object").put("properties", properties);
    if (required.length > 0) {
      schema.put("required", new JsonArray(java.util.List.of(required)));
    }
    return schema;
  }

  static JsonObject props() {
    return new JsonObject();
  }

  static JsonObject string(String description) {
    return new JsonObject().put("type", "string").put("description", description);
  }

  static JsonObject name(String description) {
    return string(description + " (letters, digits, '.', '_', '-')").put("pattern", NAME_PATTERN);
  }

  static JsonObject version(String description) {
    return string(description + ": a version number such as \"3\", or an alias such as \"production\"")
        .put("pattern", VERSION_PATTERN);
  }

  static JsonObject id(String description) {
    return string(description).put("pattern", ID_PATTERN);
  }

  static JsonObject integer(String description, int minimum, int maximum) {
    return new JsonObject().put("type", "integer").put("description", description).put("minimum", minimum)
        .put("maximum", maximum);
  }

  static JsonObject bool(String description) {
    return new JsonObject().put("type", "boolean").put("description", description);
  }

  static JsonObject enumeration(String description, String... values) {
    return string(description).put("enum", new JsonArray(java.util.List.of(values)));
  }

  static JsonObject array(String description, JsonObject items) {
    JsonObject schema = new JsonObject().put("type", "array").put("description", description);
    return items == null ? schema : schema.put("items", items);
  }

  static JsonObject strings(String description) {
    return array(description, new JsonObject().put("type", "string"));
  }

  static JsonObject anyObject(String description) {
    return new JsonObject().put("type", "object").put("description", description);
  }

  /** A page of a list: {items, total}. */
  static JsonObject page(String what) {
    return object(props()
        .put("items", array(what, new JsonObject().put("type", "object")))
        .put("total", new JsonObject().put("type", "integer").put("description", "how many there are in all")),
        "items");
  }

  /** The paging inputs of a list. */
  static JsonObject paging(JsonObject properties) {
    return properties
        .put("limit", integer("how many to return (default 50)", 1, 1000))
        .put("offset", integer("how many to skip, for the next page", 0, Integer.MAX_VALUE));
  }
}
