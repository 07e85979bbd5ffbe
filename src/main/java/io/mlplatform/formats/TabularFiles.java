package io.mlplatform.formats;

import de.siegmar.fastcsv.reader.CsvParseException;
import de.siegmar.fastcsv.reader.CsvReader;
import de.siegmar.fastcsv.reader.CsvRecord;
import io.mlplatform.mcp.McpException;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads CSV (header line first) and JSON Lines files as a stream: the whole file to infer its schema and count its
 * rows, or its first rows for a preview. Content that is not a well-formed table is an invalid_argument naming the
 * line.
 */
public final class TabularFiles {
  private static final int MAX_COLUMNS = 2_000;

  private TabularFiles() {
  }

  /** Reads the whole stream: schema (column name, type, nullable) and row count. */
  public static Inspection inspect(InputStream in, TabularFormat format) throws IOException {
    return format == TabularFormat.CSV ? inspectCsv(in) : inspectJsonLines(in);
  }

  /** The first {@code limit} rows as JSON objects keyed by column name, values typed as the schema says. */
  public static JsonArray preview(InputStream in, Inspection schema, int limit) throws IOException {
    JsonArray rows = new JsonArray();
    if (schema.format() == TabularFormat.CSV) {
      try (CsvReader<CsvRecord> csv = csvReader(in)) {
        boolean header = true;
        for (CsvRecord record : csv) {
          if (header) {
            header = false;
            continue;
          }
          if (rows.size() >= limit) {
            break;
          }
          JsonObject row = new JsonObject();
          for (int i = 0; i < schema.columns().size(); i++) {
            Inspection.Column column = schema.columns().get(i);
            row.put(column.name(), i < record.getFieldCount() ? column.type().read(record.getField(i)) : null);
          }
          rows.add(row);
        }
      }
    } else {
      BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      String line;
      while (rows.size() < limit && (line = reader.readLine()) != null) {
        if (!line.isBlank()) {
          rows.add(new JsonObject(line));
        }
      }
    }
    return rows;
  }

  private static CsvReader<CsvRecord> csvReader(InputStream in) {
    return CsvReader.builder().detectBomHeader(true).skipEmptyLines(true)
        .allowExtraFields(true).allowMissingFields(true).ofCsvRecord(in);
  }

  private static Inspection inspectCsv(InputStream in) throws IOException {
    List<String> names = null;
    ColumnType[] types = null;
    boolean[] nullable = null;
    long rows = 0;
    try (CsvReader<CsvRecord> csv = csvReader(in)) {
      for (CsvRecord record : csv) {
        if (names == null) {
          names = record.getFields();
          checkColumnNames(names, record.getStartingLineNumber());
          types = new ColumnType[names.size()];
          nullable = new boolean[names.size()];
          continue;
        }
        if (record.getFieldCount() != names.size()) {
          throw McpException.invalidField("file", "line " + record.getStartingLineNumber() + " has "
              + record.getFieldCount() + " fields where the header has " + names.size());
        }
        for (int i = 0; i < types.length; i++) {
          String value = record.getField(i);
          if (value.isEmpty()) {
            nullable[i] = true;
          } else if (types[i] != ColumnType.STRING) {
            types[i] = ColumnType.widen(types[i], ColumnType.classify(value));
          }
        }
        rows++;
      }
    } catch (CsvParseException e) {
      throw McpException.invalidField("file", "not a well-formed CSV file: " + e.getMessage());
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    if (names == null) {
      throw McpException.invalidField("file", "the file has no header line");
    }
    List<Inspection.Column> columns = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      columns.add(new Inspection.Column(names.get(i), types[i] == null ? ColumnType.STRING : types[i],
          nullable[i] || types[i] == null));
    }
    return new Inspection(TabularFormat.CSV, columns, rows);
  }

  private static void checkColumnNames(List<String> names, long line) {
    if (names.size() > MAX_COLUMNS) {
      throw McpException.invalidField("file", "the header has " + names.size() + " columns; at most " + MAX_COLUMNS);
    }
    Set<String> seen = new HashSet<>();
    for (String name : names) {
      if (name.isBlank()) {
        throw McpException.invalidField("file", "the header (line " + line + ") has an empty column name");
      }
      if (!seen.add(name)) {
        throw McpException.invalidField("file", "the header (line " + line + ") names column '" + name + "' twice");
      }
    }
  }

  private static Inspection inspectJsonLines(InputStream in) throws IOException {
    Map<String, ColumnType> types = new LinkedHashMap<>();
    Map<String, Long> present = new LinkedHashMap<>();
    BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16);
    long rows = 0;
    long lineNumber = 0;
    String line;
    while ((line = reader.readLine()) != null) {
      lineNumber++;
      if (line.isBlank()) {
        continue;
      }
      JsonObject row;
      try {
        row = new JsonObject(line);
      } catch (DecodeException | ClassCastException e) {
        throw McpException.invalidField("file", "line " + lineNumber + " is not a JSON object");
      }
      for (Map.Entry<String, Object> field : row) {
        String name = field.getKey();
        if (!types.containsKey(name) && types.size() >= MAX_COLUMNS) {
          throw McpException.invalidField("file", "more than " + MAX_COLUMNS + " distinct keys");
        }
        Object value = field.getValue();
        if (value == null) {
          types.putIfAbsent(name, null);
          continue;
        }
        present.merge(name, 1L, Long::sum);
        types.put(name, ColumnType.widen(types.get(name), typeOf(value)));
      }
      rows++;
    }
    List<Inspection.Column> columns = new ArrayList<>();
    for (Map.Entry<String, ColumnType> column : types.entrySet()) {
      long count = present.getOrDefault(column.getKey(), 0L);
      columns.add(new Inspection.Column(column.getKey(),
          column.getValue() == null ? ColumnType.STRING : column.getValue(), count < rows));
    }
    return new Inspection(TabularFormat.JSONL, columns, rows);
  }

  private static ColumnType typeOf(Object value) {
    if (value instanceof Integer || value instanceof Long) {
      return ColumnType.INTEGER;
    }
    if (value instanceof Number) {
      return ColumnType.DOUBLE;
    }
    if (value instanceof Boolean) {
      return ColumnType.BOOLEAN;
    }
    if (value instanceof String text) {
      ColumnType type = text.isEmpty() ? ColumnType.STRING : ColumnType.classify(text);
      return type == ColumnType.TIMESTAMP ? type : ColumnType.STRING;
    }
    return ColumnType.STRING;
  }
}
