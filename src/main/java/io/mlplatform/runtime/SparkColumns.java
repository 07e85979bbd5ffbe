package io.mlplatform.runtime;

import io.mlplatform.mcp.ErrorCode;
import io.mlplatform.mcp.McpException;
import io.vertx.core.json.JsonObject;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;

import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** Dataset columns as the Spark work of the jobs and of every format's scorer handles them. */
public final class SparkColumns {
  private SparkColumns() {
  }

  /** A column by its name, whatever characters the name holds. */
  public static Column col(String name) {
    return functions.col("`" + name.replace("`", "``") + "`");
  }

  /**
   * The data with these columns cast to {@code type}, in one projection (a withColumn per column grows the plan by a
   * projection each, which costs Spark's analyzer dearly for wide feature lists).
   */
  public static Dataset<Row> cast(Dataset<Row> data, Collection<String> columns, DataType type) {
    Set<String> casted = new HashSet<>(columns);
    if (casted.isEmpty()) {
      return data;
    }
    return data.select(Arrays.stream(data.columns()).map(name -> {
      Column column = col(name);
      return casted.contains(name) ? column.cast(type).as(name) : column;
    }).toArray(Column[]::new));
  }

  /** Whether a dataset column's type (its wire name) holds numbers. */
  public static boolean numeric(String type) {
    return "integer".equals(type) || "double".equals(type) || "boolean".equals(type);
  }

  /** A request's field names a column the dataset lacks (columns: name → type). */
  public static McpException unknownColumn(String field, String column, Map<String, String> columns) {
    return new McpException(ErrorCode.INVALID_ARGUMENT, field + ": unknown column '" + column + "' (columns: "
        + columns.keySet() + ")", new JsonObject().put("field", field));
  }
}
