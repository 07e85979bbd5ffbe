package io.mlplatform.formats;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/** The types a dataset column is inferred to have, and how a text value is classified and read as one. */
public enum ColumnType {
  INTEGER, DOUBLE, BOOLEAN, TIMESTAMP, STRING;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static ColumnType fromWire(String name) {
    return valueOf(name.toUpperCase(Locale.ROOT));
  }

  /** The narrowest type of a non-empty text value. */
  public static ColumnType classify(String text) {
    if (isInteger(text)) {
      return INTEGER;
    }
    if (isDouble(text)) {
      return DOUBLE;
    }
    if (text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")) {
      return BOOLEAN;
    }
    if (isTimestamp(text)) {
      return TIMESTAMP;
    }
    return STRING;
  }

  /** The type of a column that held values of {@code a} and {@code b}; null stands for "no value yet". */
  public static ColumnType widen(ColumnType a, ColumnType b) {
    if (a == null || a == b) {
      return b;
    }
    if (b == null) {
      return a;
    }
    if ((a == INTEGER && b == DOUBLE) || (a == DOUBLE && b == INTEGER)) {
      return DOUBLE;
    }
    return STRING;
  }

  /** A text value as this type's JSON value (numbers, booleans; timestamps stay ISO text); empty is null. */
  public Object read(String text) {
    if (text == null || text.isEmpty()) {
      return null;
    }
    return switch (this) {
      case INTEGER -> Long.parseLong(text.trim());
      case DOUBLE -> Double.parseDouble(text.trim());
      case BOOLEAN -> Boolean.parseBoolean(text.trim());
      case TIMESTAMP, STRING -> text;
    };
  }

  private static boolean isInteger(String s) {
    int start = s.charAt(0) == '-' || s.charAt(0) == '+' ? 1 : 0;
    int digits = s.length() - start;
    if (digits < 1 || digits > 18) {
      return false;
    }
    for (int i = start; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  private static boolean isDouble(String s) {
    boolean digit = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= '0' && c <= '9') {
        digit = true;
      } else if (c != '.' && c != '-' && c != '+' && c != 'e' && c != 'E') {
        return false;
      }
    }
    if (!digit) {
      return false;
    }
    try {
      Double.parseDouble(s);
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static boolean isTimestamp(String s) {
    if (s.length() < 10 || s.length() > 40 || s.charAt(4) != '-' || s.charAt(7) != '-'
        || !Character.isDigit(s.charAt(0))) {
      return false;
    }
    try {
      if (s.length() == 10) {
        LocalDate.parse(s);
      } else if (s.endsWith("Z") || s.lastIndexOf('+') > 10 || s.lastIndexOf('-') > 10) {
        OffsetDateTime.parse(s.replace(' ', 'T'));
      } else {
        LocalDateTime.parse(s.replace(' ', 'T'));
      }
      return true;
    } catch (DateTimeParseException e) {
      return false;
    }
  }
}
