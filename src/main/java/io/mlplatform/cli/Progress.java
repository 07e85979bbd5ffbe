package io.mlplatform.cli;

import java.io.PrintWriter;
import java.util.Locale;

/**
 * Progress of a transfer (bytes) or of something waited on (a fraction of 1) on standard error: one line redrawn
 * with '\r' on a terminal, else a line each time the status changes or another 10 % is done.
 */
final class Progress {
  private static final int BAR = 30;
  private static final long REDRAW_NANOS = 100_000_000L;

  private final PrintWriter err;
  private final String label;
  private final boolean bytes;
  private final boolean terminal;
  private final long started = System.nanoTime();
  private double total;
  private double done;
  private String status = "";
  private String shown;
  private long drawnAt;
  private int width;
  private boolean finished;

  private Progress(PrintWriter err, String label, double total, boolean bytes, boolean terminal) {
    this.err = err;
    this.label = label;
    this.total = total;
    this.bytes = bytes;
    this.terminal = terminal;
  }

  /** A transfer of {@code total} bytes (0 when unknown). */
  static Progress ofBytes(PrintWriter err, String label, long total) {
    return new Progress(err, label, total, true, System.console() != null);
  }

  /** Something waited on, whose progress is a fraction of 1. */
  static Progress ofFraction(PrintWriter err, String label) {
    return new Progress(err, label, 1.0, false, System.console() != null);
  }

  synchronized void update(double done, String status) {
    this.done = done;
    this.status = status == null ? this.status : status;
    show(false);
  }

  synchronized void update(double done) {
    update(done, null);
  }

  /** The last line, with the time it took; a success completes the bar. */
  synchronized void finish(String status) {
    if (finished) {
      return;
    }
    this.status = status == null ? this.status : status;
    if (total > 0 && (status == null || "succeeded".equals(status) || "ready".equals(status))) {
      done = total;
    }
    show(true);
    finished = true;
  }

  private Double fraction() {
    return total > 0 ? Math.max(0, Math.min(1, done / total)) : null;
  }

  private void show(boolean last) {
    if (terminal) {
      bar(last);
    } else {
      line(last);
    }
  }

  private void line(boolean last) {
    Double fraction = fraction();
    String step = status + " " + (fraction == null ? (long) done / 10_000_000 : (int) (fraction * 10));
    if (!last && bytes && fraction != null && fraction == 1) {
      return; // all sent or received: the last line says so, with the time it took
    }
    if (last || !step.equals(shown)) {
      shown = step;
      err.println(label + ": " + text(last));
      err.flush();
    }
  }

  private void bar(boolean last) {
    long now = System.nanoTime();
    if (!last && now - drawnAt < REDRAW_NANOS && status.equals(shown)) {
      return;
    }
    drawnAt = now;
    shown = status;
    Double fraction = fraction();
    int filled = fraction == null ? 0 : (int) (BAR * fraction);
    String drawn = fraction == null ? "" : "[" + "#".repeat(filled) + "-".repeat(BAR - filled) + "] ";
    String line = label + " " + drawn + text(last);
    err.print("\r" + line + " ".repeat(Math.max(0, width - line.length())) + (last ? "\n" : ""));
    err.flush();
    width = line.length();
  }

  private String text(boolean last) {
    StringBuilder text = new StringBuilder();
    Double fraction = fraction();
    if (!status.isEmpty()) {
      text.append(status).append(' ');
    }
    if (fraction != null) {
      text.append(Math.round(fraction * 100)).append("% ");
    }
    if (bytes) {
      text.append('(').append(size(done)).append(total > 0 ? " of " + size(total) : "").append(") ");
    }
    if (last) {
      text.append(String.format(Locale.ROOT, "in %.1fs", (System.nanoTime() - started) / 1e9));
    }
    return text.toString().strip();
  }

  static String size(double n) {
    String[] units = {"B", "KB", "MB", "GB", "TB"};
    int unit = 0;
    while (n >= 1000 && unit < units.length - 1) {
      n /= 1000;
      unit++;
    }
    return unit == 0 ? String.format(Locale.ROOT, "%.0f B", n) : String.format(Locale.ROOT, "%.1f %s", n, units[unit]);
  }
}
