package io.mlplatform.execution.jobs;

import io.mlplatform.storage.ObjectStore;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Removes what an earlier attempt of an execution left half-written when its node died, before the next attempt
 * writes: Spark's {@code _temporary/} files anywhere under {@code executions/<id>/}, and each dataset output
 * ({@link DatasetOutputs}: one folder per output) that never got to its single finished file. A finished output may
 * already be recorded as a dataset version, so it stays; a trained pipeline is overwritten by the next attempt.
 */
final class EarlierAttempts {
  private static final List<String> OUTPUT_BUCKETS = List.of(ObjectStore.DATASETS, ObjectStore.RESULTS);

  private EarlierAttempts() {
  }

  /** Removes the leftovers of execution {@code id}'s earlier attempts; returns how many objects went (blocking). */
  static int removeLeftovers(ObjectStore objects, String id) throws Exception {
    String prefix = "executions/" + id + "/";
    int removed = 0;
    for (String key : objects.keysBlocking(ObjectStore.MODELS, prefix)) {
      if (key.contains("/_temporary/")) {
        objects.removeBlocking(ObjectStore.MODELS, key);
        removed++;
      }
    }
    for (String bucket : OUTPUT_BUCKETS) {
      Map<String, List<String>> byOutput = new LinkedHashMap<>();
      for (String key : objects.keysBlocking(bucket, prefix)) {
        String rest = key.substring(prefix.length());
        int slash = rest.indexOf('/');
        byOutput.computeIfAbsent(slash < 0 ? rest : rest.substring(0, slash), k -> new ArrayList<>()).add(key);
      }
      for (List<String> keys : byOutput.values()) {
        if (!isFinished(keys)) {
          for (String key : keys) {
            objects.removeBlocking(bucket, key);
            removed++;
          }
        }
      }
    }
    return removed;
  }

  /** What a finished output folder holds: its one data file, Spark's markers and other parts removed. */
  private static boolean isFinished(List<String> keys) {
    return keys.size() == 1 && !keys.get(0).contains("/_temporary/") && !keys.get(0).endsWith("/_SUCCESS")
        && (keys.get(0).endsWith(".csv") || keys.get(0).endsWith(".parquet"));
  }
}
