package io.mlplatform.mcp;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.RandomAccess;

/**
 * A parsed JSON array of numbers held as doubles, not as one boxed number each (a tensor's data: hundreds of values).
 * Its elements read back as the ones Vert.x's parser would have made, Integer, Long or Double, so a {@code JsonArray}
 * over it behaves as one over a list of those; {@link #doubleAt} reads a value without boxing. Only numbers a double
 * holds exactly go in: integers beyond 2^53 are not taken ({@link #fits}). Read-only once parsed.
 */
public final class NumberList extends AbstractList<Object> implements RandomAccess {
  private static final long EXACT = 1L << 53;
  private static final byte DOUBLE = 0;
  private static final byte INT = 1;
  private static final byte LONG = 2;

  private double[] values = new double[16];
  /** What each value was written as; null while every one was a double. */
  private byte[] kinds;
  private int size;

  /** Whether {@code value}, an integer, is held exactly as a double. */
  static boolean fits(long value) {
    return value >= -EXACT && value <= EXACT;
  }

  void addDouble(double value) {
    grow();
    if (kinds != null) {
      kinds[size] = DOUBLE;
    }
    values[size++] = value;
  }

  void addInt(int value) {
    addIntegral(value, INT);
  }

  void addLong(long value) {
    addIntegral(value, LONG);
  }

  private void addIntegral(long value, byte kind) {
    grow();
    if (kinds == null) {
      kinds = new byte[values.length];
    }
    kinds[size] = kind;
    values[size++] = value;
  }

  private void grow() {
    if (size == values.length) {
      values = Arrays.copyOf(values, size * 2);
      if (kinds != null) {
        kinds = Arrays.copyOf(kinds, size * 2);
      }
    }
  }

  /** Value {@code index} as a double, unboxed. */
  public double doubleAt(int index) {
    return values[index];
  }

  @Override
  public Object get(int index) {
    if (index < 0 || index >= size) {
      throw new IndexOutOfBoundsException(index);
    }
    byte kind = kinds == null ? DOUBLE : kinds[index];
    return switch (kind) {
      case INT -> (int) values[index];
      case LONG -> (long) values[index];
      default -> values[index];
    };
  }

  @Override
  public int size() {
    return size;
  }
}
