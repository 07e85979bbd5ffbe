package io.mlplatform.execution.jobs;

import io.mlplatform.formats.ColumnType;
import io.mlplatform.formats.TabularFormat;
import io.mlplatform.storage.StoredObject;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/** Dataset versions as Spark sees them: the version's schema and object looked up before queueing, read with s3a. */
final class SparkData {
  private SparkData() {
  }

  /** The dataset version a request names ("dataset", optional "version"), as {version, artifact, schema}. */
  static Future<JsonObject> lookUp(JsonObject request, BiFunction<String, JsonObject, Future<JsonObject>> call) {
    String dataset = new io.mlplatform.mcp.Payload(request).name("dataset");
    String version = request.getValue("version") == null ? "latest" : request.getValue("version").toString();
    return call.apply("dataset.version.get", new JsonObject().put("name", dataset).put("version", version))
        .map(found -> new JsonObject().put("version", found.getInteger("version"))
            .put("format", found.getString("format")).put("row_count", found.getLong("row_count"))
            .put("artifact", found.getJsonObject("artifact")).put("schema", found.getJsonArray("schema")));
  }

  /** The model version a request names ("model", optional "model_version": a number, an alias or latest). */
  static Future<JsonObject> modelVersion(JsonObject request, BiFunction<String, JsonObject, Future<JsonObject>> call) {
    String model = new io.mlplatform.mcp.Payload(request).name("model");
    String version = request.getValue("model_version") == null ? "latest" : request.getValue("model_version").toString();
    return call.apply("model.version.get", new JsonObject().put("name", model).put("version", version));
  }

  /** Column name → type name, in the schema's order. */
  static Map<String, String> columns(JsonObject source) {
    Map<String, String> types = new LinkedHashMap<>();
    for (Object c : source.getJsonArray("schema")) {
      JsonObject column = (JsonObject) c;
      types.put(column.getString("name"), column.getString("type"));
    }
    return types;
  }

  /** A dataset version read with s3a in its format (CSV and JSON Lines with the version's schema imposed). */
  static Dataset<Row> read(SparkSession spark, JsonObject source) {
    StoredObject input = StoredObject.fromJson(source.getJsonObject("artifact"));
    String path = "s3a://" + input.bucket() + "/" + input.key();
    return switch (TabularFormat.fromName(source.getString("format", "csv"))) {
      case PARQUET -> spark.read().parquet(path);
      case JSONL -> spark.read().option("mode", "FAILFAST").schema(schema(source.getJsonArray("schema"))).json(path);
      case CSV -> spark.read().option("header", "true").option("mode", "FAILFAST")
          .schema(schema(source.getJsonArray("schema"))).csv(path);
    };
  }

  static StructType schema(JsonArray schema) {
    List<StructField> fields = new ArrayList<>();
    for (Object c : schema) {
      JsonObject column = (JsonObject) c;
      DataType type = switch (ColumnType.fromWire(column.getString("type"))) {
        case INTEGER -> DataTypes.LongType;
        case DOUBLE -> DataTypes.DoubleType;
        case BOOLEAN -> DataTypes.BooleanType;
        case TIMESTAMP, STRING -> DataTypes.StringType;
      };
      fields.add(DataTypes.createStructField(column.getString("name"), type, true));
    }
    return DataTypes.createStructType(fields);
  }
}
