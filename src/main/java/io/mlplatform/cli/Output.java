package io.mlplatform.cli;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** What a command prints on standard output: the platform's JSON with --json, else a table or key/value lines. */
final class Output {
  private static final int WIDEST = 48;

  private final PrintWriter out;
  private final boolean json;

  Output(PrintWriter out, boolean json) {
    this.out = out;
    this.json = json;
  }

  boolean json() {
    return json;
  }

  /** A page {items, total}: a table of the given columns that some item has, then how many were left out. */
  void page(JsonNode page, String... columns) {
    if (json) {
      raw(page);
      return;
    }
    JsonNode items = page.path("items");
    table(items, columns);
    long total = page.path("total").asLong(items.size());
    if (total > items.size()) {
      out.println("(" + items.size() + " of " + total + "; --limit and --offset show others)");
    }
    out.flush();
  }

  /** Rows (objects) as a table: the given columns that some row has, or every key in order of appearance. */
  void table(JsonNode rows, String... columns) {
    if (json) {
      raw(rows);
      return;
    }
    if (rows.isEmpty()) {
      out.println("(none)");
      out.flush();
      return;
    }
    List<String> shown = columns(rows, columns);
    List<String[]> lines = new ArrayList<>();
    lines.add(shown.stream().map(c -> c.toUpperCase(java.util.Locale.ROOT)).toArray(String[]::new));
    for (JsonNode row : rows) {
      lines.add(shown.stream().map(c -> cell(row.get(c))).toArray(String[]::new));
    }
    int[] widths = new int[shown.size()];
    for (String[] line : lines) {
      for (int i = 0; i < line.length; i++) {
        widths[i] = Math.max(widths[i], line[i].length());
      }
    }
    for (String[] line : lines) {
      StringBuilder text = new StringBuilder();
      for (int i = 0; i < line.length; i++) {
        text.append(i == line.length - 1 ? line[i] : pad(line[i], widths[i] + 2));
      }
      out.println(text.toString().stripTrailing());
    }
    out.flush();
  }

  /** One object as "key: value" lines; nested objects and arrays as compact JSON. */
  void object(JsonNode object) {
    if (json) {
      raw(object);
      return;
    }
    int width = 0;
    for (Map.Entry<String, JsonNode> field : object.properties()) {
      width = Math.max(width, field.getKey().length());
    }
    for (Map.Entry<String, JsonNode> field : object.properties()) {
      out.println(pad(field.getKey() + ":", width + 2) + text(field.getValue()));
    }
    out.flush();
  }

  /** A sentence for people (nothing with --json, where the answer has no body). */
  void said(String sentence) {
    if (!json) {
      out.println(sentence);
      out.flush();
    }
  }

  void raw(JsonNode node) {
    out.println(node.toString());
    out.flush();
  }

  private static List<String> columns(JsonNode rows, String[] preferred) {
    Set<String> present = new LinkedHashSet<>();
    rows.forEach(row -> row.fieldNames().forEachRemaining(present::add));
    if (preferred.length == 0) {
      return new ArrayList<>(present);
    }
    List<String> shown = new ArrayList<>();
    for (String column : preferred) {
      if (present.contains(column)) {
        shown.add(column);
      }
    }
    return shown;
  }

  private static String cell(JsonNode value) {
    String text = text(value);
    return text.length() > WIDEST ? text.substring(0, WIDEST - 1) + "…" : text;
  }

  static String text(JsonNode value) {
    if (value == null || value.isNull() || value.isMissingNode()) {
      return "";
    }
    return value.isValueNode() ? value.asText() : value.toString();
  }

  private static String pad(String text, int width) {
    return text.length() >= width ? text + " " : text + " ".repeat(width - text.length());
  }
}
