package io.mlplatform.gateway;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("fast")
@DisplayName("Pace: a gateway loop taking predictions back to back is saturated; one that idles between them is not")
class PaceTest {
  /** A prediction that arrives {@code idleNanos} after the loop's last prediction work, and is then worked on. */
  private static void request(Pace pace, long idleNanos) {
    pace.worked();
    if (idleNanos > 0) {
      LockSupport.parkNanos(idleNanos);
    }
    pace.arrived();
  }

  @Test
  @DisplayName("half of the last sixteen arrivals back to back saturate it; nine idle ones in a row end that")
  void backToBack() {
    Pace pace = new Pace();
    long idle = TimeUnit.MILLISECONDS.toNanos(1);
    for (int i = 0; i < 16; i++) {
      request(pace, idle);
    }
    assertThat(pace.saturated()).as("a loop that idled before each request").isFalse();
    // back to back: the next request arrives at once (the odd GC pause may make one look idle, not eight)
    for (int i = 0; i < 16; i++) {
      request(pace, 0);
    }
    assertThat(pace.saturated()).as("a loop taking requests back to back").isTrue();
    for (int i = 0; i < 8; i++) {
      request(pace, idle);
    }
    assertThat(pace.saturated()).as("eight idle arrivals: still half of sixteen back to back").isTrue();
    request(pace, idle);
    assertThat(pace.saturated()).as("a ninth idle arrival").isFalse();
  }
}
