package io.mlplatform.runtime.spark;

import io.mlplatform.mcp.McpException;

/**
 * What a zipped Spark pipeline may hold, checked at upload: entry names inside the archive (no '..', no absolute
 * path), at most {@link #MAX_ENTRIES} entries, and an expanded size bounded by the file's own size.
 */
final class ZipLimits {
  static final int MAX_ENTRIES = 10_000;
  /** Expanded bytes allowed whatever the ratio (small pipelines compress well). */
  static final long FLOOR_BYTES = 64L << 20;
  /** Expanded bytes per stored byte above the floor. */
  static final long MAX_RATIO = 100;
  static final long CEILING_BYTES = 4L << 30;

  private final long limit;
  private long total;
  private int entries;

  ZipLimits(long storedSize) {
    this.limit = storedSize < 0 ? CEILING_BYTES
        : Math.min(CEILING_BYTES, Math.max(FLOOR_BYTES, storedSize * MAX_RATIO));
  }

  void checkEntry(String name) {
    if (++entries > MAX_ENTRIES) {
      throw McpException.invalidField("file", "the zip holds more than " + MAX_ENTRIES + " entries");
    }
    String normalized = name.replace('\\', '/');
    boolean absolute = normalized.startsWith("/") || normalized.matches("^[A-Za-z]:.*");
    boolean escapes = ("/" + normalized + "/").contains("/../") || normalized.indexOf('\0') >= 0;
    if (absolute || escapes) {
      throw McpException.invalidField("file", "zip entry '" + name.replace("\0", "\\0")
          + "' is outside the archive (absolute or with '..')");
    }
  }

  /** Reads the current entry to its end, counting as it goes (a bomb is stopped at the limit, not expanded). */
  void drain(java.io.InputStream entry) throws java.io.IOException {
    byte[] buffer = new byte[64 * 1024];
    for (int read = entry.read(buffer); read >= 0; read = entry.read(buffer)) {
      count(read);
    }
  }

  void count(long bytes) {
    total += bytes;
    if (total > limit) {
      throw McpException.invalidField("file", "the zip expands to more than " + limit + " bytes (at most "
          + MAX_RATIO + " times its size, or " + FLOOR_BYTES + " bytes)");
    }
  }
}
