package io.mlplatform.cli;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.PrintWriter;
import java.math.BigDecimal;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/** Polling until something ends, with a deadline: every 0.2 s at first, then up to every second. */
final class Waiting {
  static final Set<String> ENDED = Set.of("succeeded", "failed", "cancelled");

  private Waiting() {
  }

  /** Calls {@code fetch} until {@code ended} holds, showing each answer to {@code seen}; 0 s waits for ever. */
  static JsonNode until(Supplier<JsonNode> fetch, Predicate<JsonNode> ended, double timeoutSeconds, String what,
                        Consumer<JsonNode> seen) {
    long deadline = timeoutSeconds > 0 ? System.nanoTime() + (long) (timeoutSeconds * 1e9) : Long.MAX_VALUE;
    long pause = 200;
    while (true) {
      JsonNode current = fetch.get();
      seen.accept(current);
      if (ended.test(current)) {
        return current;
      }
      if (System.nanoTime() + pause * 1_000_000 > deadline) {
        throw CliFailure.timedOut(what + " did not end within " + BigDecimal.valueOf(timeoutSeconds)
            .stripTrailingZeros().toPlainString() + " s (last: " + current.path("status").asText() + ")");
      }
      try {
        Thread.sleep(pause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw CliFailure.timedOut(what + ": interrupted");
      }
      pause = Math.min(1000, pause * 3 / 2);
    }
  }

  /**
   * Waits for an execution or a workflow run to end, its progress on standard error; one that failed or was
   * cancelled is a failure (exit 1).
   */
  static JsonNode forEnd(Supplier<JsonNode> fetch, String label, double timeoutSeconds,
                         ToDoubleFunction<JsonNode> fraction, PrintWriter err) {
    Progress[] shown = new Progress[1];
    JsonNode ended;
    try {
      ended = until(fetch, current -> ENDED.contains(current.path("status").asText()), timeoutSeconds, label,
          current -> {
            if (shown[0] == null) {
              String kind = current.path("type").asText(current.path("workflow").asText(""));
              shown[0] = Progress.ofFraction(err, kind.isEmpty() ? label : label + " (" + kind + ")");
            }
            String status = current.path("status").asText();
            shown[0].update(fraction.applyAsDouble(current), status);
            if (ENDED.contains(status)) {
              shown[0].finish(status);
            }
          });
    } catch (CliFailure e) {
      if (shown[0] != null) {
        shown[0].finish("stopped waiting");
      }
      throw e;
    }
    return ended;
  }

  /** The failure of an execution or run that did not succeed, or nothing. */
  static void check(JsonNode ended, String label) {
    String status = ended.path("status").asText();
    if (!"succeeded".equals(status)) {
      JsonNode error = ended.path("error");
      String reason = error.isObject() ? error.path("message").asText() : Output.text(error);
      throw CliFailure.ended(status, label + " " + status + (reason.isEmpty() ? "" : ": " + reason));
    }
  }
}
