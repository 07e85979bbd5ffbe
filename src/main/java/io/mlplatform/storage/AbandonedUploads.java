package io.mlplatform.storage;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.List;

/**
 * Aborts the multipart uploads that stayed incomplete for longer than a bound (a killed upload leaves its parts, up to
 * 16 MB each, stored and invisible), at start and every ten minutes. Every node with the data role does it; aborting
 * twice is harmless. The bound must exceed the longest upload: an upload still under way that long is aborted too.
 */
public final class AbandonedUploads {
  private static final Logger LOG = LoggerFactory.getLogger(AbandonedUploads.class);
  static final long PERIOD_MILLIS = 10 * 60_000L;
  private static final List<String> BUCKETS = List.of(ObjectStore.MODELS, ObjectStore.DATASETS, ObjectStore.RESULTS);

  private AbandonedUploads() {
  }

  /** Sweeps now and then periodically; returns the timer id. */
  public static long start(Vertx vertx, ObjectStore objects, long olderThanMillis) {
    sweep(objects, olderThanMillis);
    return vertx.setPeriodic(PERIOD_MILLIS, id -> sweep(objects, olderThanMillis));
  }

  /** Aborts, in every bucket, the uploads started more than {@code olderThanMillis} ago; completes with their count. */
  public static Future<Integer> sweep(ObjectStore objects, long olderThanMillis) {
    return objects.blocking(() -> {
      Instant cutoff = Instant.now().minusMillis(olderThanMillis);
      int aborted = 0;
      for (String bucket : BUCKETS) {
        aborted += objects.abortUploadsStartedBeforeBlocking(bucket, cutoff);
      }
      if (aborted > 0) {
        LOG.info("aborted {} multipart uploads left incomplete for more than {} ms", aborted, olderThanMillis);
      }
      return aborted;
    }).onFailure(failure -> LOG.warn("sweeping abandoned uploads failed: {}", failure.toString()));
  }
}
