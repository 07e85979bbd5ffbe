package io.mlplatform.gateway;

/**
 * Whether one gateway event loop is saturated: its predictions arrive back to back, each while the loop was still
 * busy with others (under {@link #BACK_TO_BACK_NANOS} after its last prediction work), for at least half of the last
 * sixteen. A saturated loop hands a cheap model's predictions to the replica's own event loop, where scoring runs
 * beside its HTTP work; an idle one answers them itself, without a hop between threads. Measured with
 * bench/inference/ab.sh on two cores: answering on the gateway's loop doubles one connection's throughput and costs
 * about a fifth more CPU a request at 64 connections. Confined to its event loop: no synchronization.
 */
final class Pace {
  static final long BACK_TO_BACK_NANOS = 15_000;

  private long lastWork = System.nanoTime() - 1_000_000_000L;
  private int arrivals;

  /** A prediction arrived on this loop. */
  void arrived() {
    arrivals = arrivals << 1 | (System.nanoTime() - lastWork < BACK_TO_BACK_NANOS ? 1 : 0);
  }

  /** This loop finished some prediction work: handed a request on, or wrote an answer. */
  void worked() {
    lastWork = System.nanoTime();
  }

  boolean saturated() {
    return Integer.bitCount(arrivals & 0xFFFF) >= 8;
  }
}
