package io.mlplatform.formats;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/** What reading a whole tabular file told: its format, columns (name, type, nullable) and row count. */
public record Inspection(TabularFormat format, List<Column> columns, long rowCount) {

  public record Column(String name, ColumnType type, boolean nullable) {
    public JsonObject toJson() {
      return new JsonObject().put("name", name).put("type", type.wireName()).put("nullable", nullable);
    }
  }

  public JsonObject toJson() {
    JsonArray schema = new JsonArray();
    columns.forEach(c -> schema.add(c.toJson()));
    return new JsonObject().put("format", format.wireName()).put("schema", schema).put("row_count", rowCount);
  }

  public static Inspection fromJson(JsonObject json) {
    List<Column> columns = json.getJsonArray("schema").stream().map(JsonObject.class::cast)
        .map(c -> new Column(c.getString("name"), ColumnType.fromWire(c.getString("type")), c.getBoolean("nullable")))
        .toList();
    return new Inspection(TabularFormat.fromName(json.getString("format")), columns, json.getLong("row_count"));
  }
}
