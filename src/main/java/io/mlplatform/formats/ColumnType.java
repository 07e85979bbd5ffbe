package io.mlplatform.formats;

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

  /** [+-] digits [. digits] [e [+-] digits], with a digit before or after the point: checked, not parsed. */
  private static boolean isDouble(String s) {
    int i = 0;
    int n = s.length();
    if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
      i++;
    }
    int digits = 0;
    while (i < n && isDigit(s.charAt(i))) {
      i++;
      digits++;
    }
    if (i < n && s.charAt(i) == '.') {
      i++;
      while (i < n && isDigit(s.charAt(i))) {
        i++;
        digits++;
      }
    }
    if (digits == 0) {
      return false;
    }
    if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
      i++;
      if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
        i++;
      }
      int exponent = 0;
      while (i < n && isDigit(s.charAt(i))) {
        i++;
        exponent++;
      }
      if (exponent == 0) {
        return false;
      }
    }
    return i == n;
  }

  /**
   * An ISO-8601 date or date-time: YYYY-MM-DD, then optionally [T or space]HH:MM[:SS[.fraction]] and a zone (Z or
   * +HH:MM). Checked character by character: inference reads every cell, and java.time parsing allocates.
   */
  private static boolean isTimestamp(String s) {
    int n = s.length();
    if (n < 10 || n > 40 || s.charAt(4) != '-' || s.charAt(7) != '-'
        || !digits(s, 0, 4) || !inRange(s, 5, 1, 12) || !inRange(s, 8, 1, 31)) {
      return false;
    }
    if (n == 10) {
      return true;
    }
    char separator = s.charAt(10);
    if ((separator != 'T' && separator != ' ') || n < 16 || s.charAt(13) != ':'
        || !inRange(s, 11, 0, 23) || !inRange(s, 14, 0, 59)) {
      return false;
    }
    int i = 16;
    if (i < n && s.charAt(i) == ':') {
      if (n < 19 || !inRange(s, 17, 0, 60)) {
        return false;
      }
      i = 19;
      if (i < n && s.charAt(i) == '.') {
        int start = ++i;
        while (i < n && isDigit(s.charAt(i))) {
          i++;
        }
        if (i == start) {
          return false;
        }
      }
    }
    if (i == n) {
      return true;
    }
    if (s.charAt(i) == 'Z') {
      return i + 1 == n;
    }
    return (s.charAt(i) == '+' || s.charAt(i) == '-') && n - i == 6 && s.charAt(i + 3) == ':'
        && inRange(s, i + 1, 0, 23) && inRange(s, i + 4, 0, 59);
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static boolean digits(String s, int from, int count) {
    for (int i = from; i < from + count; i++) {
      if (!isDigit(s.charAt(i))) {
        return false;
      }
    }
    return true;
  }

  /** Two digits at {@code at} whose value lies in [min, max]. */
  private static boolean inRange(String s, int at, int min, int max) {
    if (!digits(s, at, 2)) {
      return false;
    }
    int value = (s.charAt(at) - '0') * 10 + (s.charAt(at + 1) - '0');
    return value >= min && value <= max;
  }
}
