package io.mlplatform.formats;

import java.util.Locale;

/** The tabular file formats a dataset version can have. */
public enum TabularFormat {
  CSV("text/csv"),
  JSONL("application/x-ndjson"),
  /** Columnar and binary: its schema and row count come from its footer, read after the upload (see ParquetFiles). */
  PARQUET("application/vnd.apache.parquet");

  private final String contentType;

  TabularFormat(String contentType) {
    this.contentType = contentType;
  }

  public String contentType() {
    return contentType;
  }

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The format named by a client ("csv", "jsonl", "ndjson", "parquet"), or null when it names none we read. */
  public static TabularFormat fromName(String name) {
    if (name == null) {
      return null;
    }
    return switch (name.trim().toLowerCase(Locale.ROOT)) {
      case "csv" -> CSV;
      case "jsonl", "ndjson", "json_lines", "jsonlines" -> JSONL;
      case "parquet" -> PARQUET;
      default -> null;
    };
  }

  /** The format a file's name or content type implies, or null. */
  public static TabularFormat detect(String filename, String contentType) {
    if (filename != null) {
      String lower = filename.toLowerCase(Locale.ROOT);
      int dot = lower.lastIndexOf('.');
      TabularFormat byExtension = dot < 0 ? null : fromName(lower.substring(dot + 1));
      if (byExtension != null) {
        return byExtension;
      }
    }
    if (contentType != null) {
      String type = contentType.toLowerCase(Locale.ROOT);
      if (type.startsWith("text/csv")) {
        return CSV;
      }
      if (type.startsWith("application/x-ndjson") || type.startsWith("application/jsonl")) {
        return JSONL;
      }
    }
    return null;
  }
}
