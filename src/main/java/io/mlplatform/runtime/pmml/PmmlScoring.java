package io.mlplatform.runtime.pmml;

import io.mlplatform.mcp.McpException;
import io.mlplatform.runtime.PartitionScorer;
import io.vertx.core.json.JsonObject;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.pmml4s.metadata.Field;
import org.pmml4s.metadata.OutputField;
import org.pmml4s.model.Model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A PMML model scores a dataset inside Spark tasks: each partition parses the document once (pmml4s) and scores its
 * rows one by one; the output fields become columns (numbers or text).
 */
final class PmmlScoring extends PartitionScorer {
  /** The model takes the dataset's columns that its input fields name: each must be there. */
  @Override
  protected List<String> features(JsonObject request, JsonObject signature, Map<String, String> columns) {
    List<String> fields = new ArrayList<>();
    for (Object input : signature.getJsonArray("inputs")) {
      String name = ((JsonObject) input).getString("name");
      if (!columns.containsKey(name)) {
        throw McpException.invalidField("dataset", "the model takes field '" + name + "', which this dataset"
            + " lacks (columns: " + columns.keySet() + ")");
      }
      fields.add(name);
    }
    return fields;
  }

  @Override
  protected Dataset<Row> score(Dataset<Row> data, List<String> features, byte[] bytes) {
    PmmlDocuments.requireNoDoctype(bytes);
    Model probe = Model.fromBytes(bytes);
    List<String> outputs = new ArrayList<>();
    List<Boolean> numeric = new ArrayList<>();
    List<StructField> fields = new ArrayList<>(List.of(data.schema().fields()));
    for (OutputField output : probe.outputFields()) {
      outputs.add(output.name());
      numeric.add(output.dataType().isNumeric());
      fields.add(DataTypes.createStructField(output.name(), output.dataType().isNumeric() ? DataTypes.DoubleType
          : DataTypes.StringType, true));
    }
    Map<String, Boolean> numericInputs = new HashMap<>();
    for (Field input : probe.inputFields()) {
      numericInputs.put(input.name(), input.isNumeric());
    }
    int[] indexes = features.stream().mapToInt(f -> List.of(data.columns()).indexOf(f)).toArray();
    List<String> names = List.copyOf(features);
    MapPartitionsFunction<Row, Row> score = rows -> {
      Model model = Model.fromBytes(bytes);
      List<Row> scored = new ArrayList<>();
      while (rows.hasNext()) {
        Row row = rows.next();
        Map<String, Object> record = new HashMap<>();
        for (int f = 0; f < indexes.length; f++) {
          Object value = row.get(indexes[f]);
          record.put(names.get(f), value == null ? null : Boolean.TRUE.equals(numericInputs.get(names.get(f)))
              && value instanceof Number number ? (Object) number.doubleValue() : value.toString());
        }
        Map<String, Object> predicted = model.predict(record);
        List<Object> cells = new ArrayList<>(row.size() + outputs.size());
        for (int c = 0; c < row.size(); c++) {
          cells.add(row.get(c));
        }
        for (int o = 0; o < outputs.size(); o++) {
          Object value = predicted.get(outputs.get(o));
          cells.add(value == null ? null : numeric.get(o)
              ? (value instanceof Number number ? number.doubleValue() : null) : value.toString());
        }
        scored.add(RowFactory.create(cells.toArray()));
      }
      return scored.iterator();
    };
    return data.mapPartitions(score, Encoders.row(DataTypes.createStructType(fields)));
  }
}
