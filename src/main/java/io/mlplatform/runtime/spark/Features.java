package io.mlplatform.runtime.spark;

import io.mlplatform.mcp.McpException;
import io.mlplatform.mcp.Payload;
import io.mlplatform.runtime.SparkColumns;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.Imputer;
import org.apache.spark.ml.feature.ImputerModel;
import org.apache.spark.ml.feature.OneHotEncoder;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The feature columns of a pipeline trained here and how they enter it: numbers (integer, double, boolean) as doubles,
 * strings indexed and one-hot encoded (a value unseen in training, or missing, encodes as all zeros), and missing
 * numbers dropped with their rows or imputed ("missing": drop | mean | median | constant). Chosen at submission
 * (every column but the label and the excluded ones by default), recorded in the version's params, and applied the
 * same way when the version scores or is evaluated.
 */
public record Features(List<String> columns, Set<String> categorical, String missing, double fill, int maxCategories) {
  static final Set<String> MISSING = Set.of("drop", "mean", "median", "constant");
  static final int MAX_CATEGORIES = 1000;
  static final String INDEX_SUFFIX = "__index";
  static final String ONE_HOT_SUFFIX = "__onehot";
  static final String IMPUTED_SUFFIX = "__imputed";

  /** The features a train request names, checked against the dataset's columns (400 naming the first problem). */
  public static Features check(JsonObject request, Map<String, String> schema, String label) {
    Set<String> exclude = new LinkedHashSet<>(names(request, "exclude"));
    for (String column : exclude) {
      if (!schema.containsKey(column)) {
        throw SparkColumns.unknownColumn("exclude", column, schema);
      }
    }
    List<String> columns;
    if (request.getValue("features") == null) {
      columns = schema.keySet().stream().filter(c -> !c.equals(label) && !exclude.contains(c)).toList();
      if (columns.isEmpty()) {
        throw McpException.invalidField("features", "no column is left for features once the label and the excluded"
            + " columns are set aside");
      }
    } else {
      columns = names(request, "features");
      if (columns.isEmpty()) {
        throw McpException.invalidField("features", "must be a non-empty array of column names (or left out: every"
            + " column but the label and the excluded ones)");
      }
      columns = columns.stream().filter(c -> !exclude.contains(c)).toList();
    }
    if (new LinkedHashSet<>(columns).size() != columns.size()) {
      throw McpException.invalidField("features", "names a column twice");
    }
    Set<String> categorical = new LinkedHashSet<>();
    for (String column : columns) {
      String type = schema.get(column);
      if (type == null) {
        throw SparkColumns.unknownColumn("features", column, schema);
      }
      if (column.equals(label)) {
        throw McpException.invalidField("features", "'" + column + "' is the label: it cannot also be a feature");
      }
      if ("timestamp".equals(type)) {
        throw McpException.invalidField("features", "column '" + column + "' is a timestamp, which is not a feature"
            + " type: list it in \"exclude\", or derive numbers from it first with a transform (an sql step)");
      }
      if ("string".equals(type)) {
        categorical.add(column);
      }
    }
    Object missing = request.getValue("missing", "drop");
    if (!(missing instanceof String strategy) || !MISSING.contains(strategy)) {
      throw McpException.invalidField("missing", "must be one of " + MISSING + " (what to do with rows whose"
          + " features have no value)");
    }
    Object fill = request.getValue("fill_value");
    if ("constant".equals(missing) != (fill != null)) {
      throw McpException.invalidField("fill_value", "constant".equals(missing)
          ? "\"missing\": \"constant\" needs a number in fill_value" : "only goes with \"missing\": \"constant\"");
    }
    if (fill != null && !(fill instanceof Number)) {
      throw McpException.invalidField("fill_value", "must be a number");
    }
    int maxCategories = new Payload(request).optionalInt("max_categories", MAX_CATEGORIES, 2, 100_000);
    return new Features(List.copyOf(columns), Set.copyOf(categorical), strategy,
        fill == null ? 0 : ((Number) fill).doubleValue(), maxCategories);
  }

  private static List<String> names(JsonObject request, String field) {
    Object value = request.getValue(field);
    if (value == null) {
      return List.of();
    }
    if (!(value instanceof JsonArray array) || !array.stream().allMatch(f -> f instanceof String)) {
      throw McpException.invalidField(field, "must be an array of column names");
    }
    return array.stream().map(String.class::cast).toList();
  }

  /** The features of a version trained here, from its params (versions before categorical features: all numeric). */
  public static Features fromParams(JsonObject params) {
    List<String> columns = params.getJsonArray("features", new JsonArray()).stream().map(String::valueOf).toList();
    Set<String> categorical = Set.copyOf(params.getJsonArray("categorical", new JsonArray()).stream()
        .map(String::valueOf).toList());
    return new Features(columns, categorical, params.getString("missing", "drop"),
        params.getDouble("fill_value", 0.0), params.getInteger("max_categories", MAX_CATEGORIES));
  }

  /** What the version's params record of the features. */
  public JsonObject toParams() {
    JsonObject params = new JsonObject().put("features", new JsonArray(columns))
        .put("categorical", new JsonArray(columns.stream().filter(categorical::contains).toList()))
        .put("missing", missing);
    if ("constant".equals(missing)) {
      params.put("fill_value", fill);
    }
    return params;
  }

  List<String> numeric() {
    return columns.stream().filter(c -> !categorical.contains(c)).toList();
  }

  /** The data with the numeric features as doubles and the categorical ones as text (Spark collapses the selects). */
  public Dataset<Row> cast(Dataset<Row> data) {
    return SparkColumns.cast(SparkColumns.cast(data, numeric(), DataTypes.DoubleType), categorical, DataTypes.StringType);
  }

  /** The rows a pipeline can use: every feature present under "drop" (missing values are imputed otherwise). */
  public Column usable() {
    if (!"drop".equals(missing) || columns.isEmpty()) {
      return functions.lit(true);
    }
    return allOf(columns.stream().map(c -> SparkColumns.col(c).isNotNull()).toList());
  }

  /** a AND b AND …, as a balanced tree: a chain of 300 ANDs overflows the stack of Spark's expression converter. */
  private static Column allOf(List<Column> conditions) {
    if (conditions.size() == 1) {
      return conditions.get(0);
    }
    int half = conditions.size() / 2;
    return allOf(conditions.subList(0, half)).and(allOf(conditions.subList(half, conditions.size())));
  }

  /**
   * The stages that turn the features into one vector column: string indexing and one-hot encoding of the
   * categorical features, imputation of the numeric ones (unless rows with missing values are dropped), assembly.
   */
  public List<PipelineStage> stages(String output) {
    List<PipelineStage> stages = new ArrayList<>();
    List<String> categories = columns.stream().filter(categorical::contains).toList();
    if (!categories.isEmpty()) {
      // "keep": a value not seen in training (or null) gets the last index, which one-hot encoding drops to zeros
      stages.add(new StringIndexer().setInputCols(suffixed(categories, "")).setOutputCols(suffixed(categories,
          INDEX_SUFFIX)).setHandleInvalid("keep").setStringOrderType("frequencyDesc"));
      stages.add(new OneHotEncoder().setInputCols(suffixed(categories, INDEX_SUFFIX))
          .setOutputCols(suffixed(categories, ONE_HOT_SUFFIX)).setDropLast(true));
    }
    List<String> numbers = numeric();
    boolean imputed = !"drop".equals(missing) && !numbers.isEmpty();
    if (imputed && "constant".equals(missing)) {
      stages.add(constantImputer(numbers));
    } else if (imputed) {
      stages.add(new Imputer().setStrategy(missing).setInputCols(suffixed(numbers, ""))
          .setOutputCols(suffixed(numbers, IMPUTED_SUFFIX)));
    }
    String[] assembled = columns.stream().map(c -> categorical.contains(c) ? c + ONE_HOT_SUFFIX
        : imputed ? c + IMPUTED_SUFFIX : c).toArray(String[]::new);
    // "keep": a missing number that reaches the assembler (scoring under "drop") is NaN rather than a failed job
    stages.add(new VectorAssembler().setInputCols(assembled).setOutputCol(output).setHandleInvalid("keep"));
    return stages;
  }

  /** Spark's Imputer has no constant strategy: its model is built directly with the constant as every surrogate. */
  private ImputerModel constantImputer(List<String> numbers) {
    double[] values = new double[numbers.size()];
    java.util.Arrays.fill(values, fill);
    return new ImputerModel(org.apache.spark.ml.util.Identifiable$.MODULE$.randomUID("imputer"),
        suffixed(numbers, ""), values).setInputCols(suffixed(numbers, "")).setOutputCols(suffixed(numbers,
        IMPUTED_SUFFIX));
  }

  private static String[] suffixed(List<String> names, String suffix) {
    return names.stream().map(n -> n + suffix).toArray(String[]::new);
  }
}
