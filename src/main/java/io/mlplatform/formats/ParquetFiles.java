package io.mlplatform.formats;

import io.mlplatform.mcp.McpException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimeUnit;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimestampLogicalTypeAnnotation;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * Parquet dataset versions: the schema and row count come from the footer alone (no data is read), a preview from
 * the first rows. Flat tables only: a nested or repeated column is refused, naming it.
 */
public final class ParquetFiles {
  private static final long JULIAN_EPOCH_DAY = 2_440_588L;

  private ParquetFiles() {
  }

  /** Columns and row count from the file's footer; a file that is not Parquet is a 400 naming the field "file". */
  public static Inspection inspect(InputFile file) throws IOException {
    ParquetMetadata footer;
    try (ParquetFileReader reader = ParquetFileReader.open(file)) {
      footer = reader.getFooter();
    } catch (RuntimeException | IOException e) {
      throw McpException.invalidField("file", "not a readable Parquet file (" + e.getMessage() + ")");
    }
    List<Inspection.Column> columns = new ArrayList<>();
    for (Type field : footer.getFileMetaData().getSchema().getFields()) {
      if (!field.isPrimitive() || field.isRepetition(Type.Repetition.REPEATED)) {
        throw McpException.invalidField("file", "column '" + field.getName() + "' is nested or repeated: datasets are"
            + " flat tables");
      }
      columns.add(new Inspection.Column(field.getName(), typeOf(field.asPrimitiveType()),
          !field.isRepetition(Type.Repetition.REQUIRED)));
    }
    if (columns.isEmpty()) {
      throw McpException.invalidField("file", "the Parquet file has no columns");
    }
    long rows = footer.getBlocks().stream().mapToLong(BlockMetaData::getRowCount).sum();
    return new Inspection(TabularFormat.PARQUET, columns, rows);
  }

  /** The first {@code limit} rows as JSON objects keyed by column name. */
  public static JsonArray preview(InputFile file, int limit) throws IOException {
    JsonArray rows = new JsonArray();
    try (ParquetReader<Group> reader = new ParquetReader.Builder<Group>(file) {
      @Override
      protected ReadSupport<Group> getReadSupport() {
        return new GroupReadSupport();
      }
    }.build()) {
      for (Group group = reader.read(); group != null && rows.size() < limit; group = reader.read()) {
        JsonObject row = new JsonObject();
        List<Type> fields = group.getType().getFields();
        for (int i = 0; i < fields.size(); i++) {
          row.put(fields.get(i).getName(), group.getFieldRepetitionCount(i) == 0 ? null
              : value(group, i, fields.get(i).asPrimitiveType()));
        }
        rows.add(row);
      }
    }
    return rows;
  }

  private static ColumnType typeOf(PrimitiveType type) {
    LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
    if (logical instanceof TimestampLogicalTypeAnnotation || logical instanceof LogicalTypeAnnotation.DateLogicalTypeAnnotation) {
      return ColumnType.TIMESTAMP;
    }
    if (logical instanceof LogicalTypeAnnotation.DecimalLogicalTypeAnnotation) {
      return ColumnType.DOUBLE;
    }
    return switch (type.getPrimitiveTypeName()) {
      case INT32, INT64 -> ColumnType.INTEGER;
      case FLOAT, DOUBLE -> ColumnType.DOUBLE;
      case BOOLEAN -> ColumnType.BOOLEAN;
      case INT96 -> ColumnType.TIMESTAMP;
      case BINARY, FIXED_LEN_BYTE_ARRAY -> ColumnType.STRING;
    };
  }

  private static Object value(Group group, int field, PrimitiveType type) {
    LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
    switch (type.getPrimitiveTypeName()) {
      case INT32 -> {
        int value = group.getInteger(field, 0);
        return logical instanceof LogicalTypeAnnotation.DateLogicalTypeAnnotation
            ? LocalDate.ofEpochDay(value).toString() : decimal(logical, value);
      }
      case INT64 -> {
        long value = group.getLong(field, 0);
        if (logical instanceof TimestampLogicalTypeAnnotation timestamp) {
          return instant(value, timestamp.getUnit()).toString();
        }
        return decimal(logical, value);
      }
      case INT96 -> {
        ByteBuffer bytes = group.getInt96(field, 0).toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        long nanosOfDay = bytes.getLong();
        long day = bytes.getInt() - JULIAN_EPOCH_DAY;
        return Instant.ofEpochSecond(day * 86_400L, nanosOfDay).toString();
      }
      case FLOAT -> {
        return (double) group.getFloat(field, 0);
      }
      case DOUBLE -> {
        return group.getDouble(field, 0);
      }
      case BOOLEAN -> {
        return group.getBoolean(field, 0);
      }
      default -> {
        Binary binary = group.getBinary(field, 0);
        if (logical instanceof LogicalTypeAnnotation.DecimalLogicalTypeAnnotation decimal) {
          return new java.math.BigDecimal(new java.math.BigInteger(binary.getBytes()), decimal.getScale()).doubleValue();
        }
        return binary.toStringUsingUTF8();
      }
    }
  }

  private static Object decimal(LogicalTypeAnnotation logical, long unscaled) {
    return logical instanceof LogicalTypeAnnotation.DecimalLogicalTypeAnnotation decimal
        ? java.math.BigDecimal.valueOf(unscaled, decimal.getScale()).doubleValue() : unscaled;
  }

  private static Instant instant(long value, TimeUnit unit) {
    return switch (unit) {
      case MILLIS -> Instant.ofEpochMilli(value);
      case MICROS -> Instant.ofEpochSecond(Math.floorDiv(value, 1_000_000L), Math.floorMod(value, 1_000_000L) * 1_000L);
      case NANOS -> Instant.ofEpochSecond(Math.floorDiv(value, 1_000_000_000L), Math.floorMod(value, 1_000_000_000L));
    };
  }
}
