package io.mlplatform.runtime.spark;

import io.mlplatform.execution.spark.SparkRuntime;
import io.mlplatform.mcp.McpException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("slow")
@DisplayName("The features of a train request")
class FeaturesTest {
  private static final Map<String, String> SCHEMA = new LinkedHashMap<>(Map.of());

  static {
    SCHEMA.put("id", "string");
    SCHEMA.put("age", "integer");
    SCHEMA.put("income", "double");
    SCHEMA.put("member", "boolean");
    SCHEMA.put("city", "string");
    SCHEMA.put("joined", "timestamp");
    SCHEMA.put("churned", "string");
  }

  @Test
  @DisplayName("default to every column but the label and the excluded ones; strings are categorical")
  void defaults() {
    Features features = Features.check(new JsonObject().put("exclude", new JsonArray().add("id").add("joined")),
        SCHEMA, "churned");
    assertThat(features.columns()).containsExactly("age", "income", "member", "city");
    assertThat(features.categorical()).containsExactly("city");
    assertThat(features.missing()).isEqualTo("drop");
    assertThat(Features.fromParams(features.toParams())).isEqualTo(features);
  }

  @Test
  @DisplayName("refuse, naming what is wrong: a timestamp, an unknown column, the label, a bad missing strategy")
  void refusals() {
    assertThatThrownBy(() -> Features.check(new JsonObject().put("exclude", new JsonArray().add("id")), SCHEMA,
        "churned")).isInstanceOf(McpException.class).hasMessageContaining("joined").hasMessageContaining("timestamp")
        .hasMessageContaining("exclude");
    assertThatThrownBy(() -> Features.check(new JsonObject().put("features", new JsonArray().add("agee")), SCHEMA,
        "churned")).hasMessageContaining("agee");
    assertThatThrownBy(() -> Features.check(new JsonObject().put("features", new JsonArray().add("churned")), SCHEMA,
        "churned")).hasMessageContaining("label");
    assertThatThrownBy(() -> Features.check(new JsonObject().put("features", new JsonArray().add("age"))
        .put("missing", "zero"), SCHEMA, "churned")).hasMessageContaining("missing");
    assertThatThrownBy(() -> Features.check(new JsonObject().put("features", new JsonArray().add("age"))
        .put("missing", "constant"), SCHEMA, "churned")).hasMessageContaining("fill_value");
    assertThatThrownBy(() -> Features.check(new JsonObject().put("features", new JsonArray().add("id").add("id")),
        SCHEMA, "churned")).hasMessageContaining("twice");
  }

  @Test
  @DisplayName("the rows usable under \"drop\" are found over 400 columns (a chain of ANDs overflowed Spark's stack)")
  void usableRowsOfManyColumns() {
    List<String> columns = new ArrayList<>();
    StructType schema = new StructType();
    for (int i = 0; i < 400; i++) {
      columns.add("f" + i);
      schema = schema.add("f" + i, DataTypes.DoubleType);
    }
    List<Row> rows = new ArrayList<>();
    for (int r = 0; r < 50; r++) {
      Object[] values = new Object[400];
      for (int i = 0; i < 400; i++) {
        values[i] = r % 10 == 0 && i == r ? null : (double) r;
      }
      rows.add(RowFactory.create(values));
    }
    try (SparkRuntime spark = new SparkRuntime("local[1]", Map.of(), "http://127.0.0.1:1", "unused", "unused")) {
      Dataset<Row> data = spark.session().createDataFrame(rows, schema);
      Features features = new Features(columns, Set.of(), "drop", 0, 1000);
      assertThat(features.cast(data).filter(features.usable()).count()).isEqualTo(45);
    }
  }
}
