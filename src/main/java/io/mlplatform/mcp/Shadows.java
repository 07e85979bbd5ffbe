package io.mlplatform.mcp;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Compares a shadow version's answers with those the caller got, and counts how they compared per deployment:
 * {@code same} (every output equal, numbers within a relative 1e-6), {@code different}, or {@code failed} (the shadow
 * failed, or its answer could not be compared because the caller's request failed).
 */
public final class Shadows {
  private static final double TOLERANCE = 1e-6;

  private final MeterRegistry meters;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();

  public Shadows(MeterRegistry meters) {
    this.meters = meters;
  }

  /** Counts how the mirrored answer compared with the served one, once both are in. */
  public void compare(String deployment, Future<JsonObject> served, Future<JsonObject> mirrored) {
    Future.join(served, mirrored).onComplete(both -> {
      String outcome;
      if (served.failed() || mirrored.failed()) {
        outcome = "failed";
      } else {
        outcome = same(served.result().getValue("outputs"), mirrored.result().getValue("outputs")) ? "same" : "different";
      }
      counters.computeIfAbsent(deployment + " " + outcome, key -> Counter.builder("mlplatform.shadow.predictions")
          .description("mirrored predictions, by how the shadow's answer compared")
          .tag("deployment", deployment).tag("outcome", outcome).register(meters)).increment();
    });
  }

  /** Equal JSON, numbers compared within a relative tolerance. */
  static boolean same(Object a, Object b) {
    if (a instanceof Number x && b instanceof Number y) {
      double p = x.doubleValue();
      double q = y.doubleValue();
      return p == q || Math.abs(p - q) <= TOLERANCE * Math.max(1.0, Math.max(Math.abs(p), Math.abs(q)));
    }
    if (a instanceof JsonArray x && b instanceof JsonArray y) {
      if (x.size() != y.size()) {
        return false;
      }
      for (int i = 0; i < x.size(); i++) {
        if (!same(x.getValue(i), y.getValue(i))) {
          return false;
        }
      }
      return true;
    }
    if (a instanceof JsonObject x && b instanceof JsonObject y) {
      if (!x.fieldNames().equals(y.fieldNames())) {
        return false;
      }
      Iterator<Map.Entry<String, Object>> entries = x.iterator();
      while (entries.hasNext()) {
        Map.Entry<String, Object> entry = entries.next();
        if (!same(entry.getValue(), y.getValue(entry.getKey()))) {
          return false;
        }
      }
      return true;
    }
    return a == null ? b == null : a.equals(b);
  }
}
