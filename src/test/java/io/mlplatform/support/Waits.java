package io.mlplatform.support;

import io.vertx.core.json.JsonObject;
import org.hamcrest.BaseMatcher;
import org.hamcrest.Description;
import org.hamcrest.Matcher;

import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

import static org.awaitility.Awaitility.await;

/** What the tests' Awaitility waits share. */
public final class Waits {
  private Waits() {
  }

  /** The workflow run once it ended, polled every 100 ms for at most {@code bound}. */
  public static JsonObject runEnded(Api api, String id, Duration bound) {
    return await().atMost(bound).pollInterval(Duration.ofMillis(100))
        .until(() -> api.get("/api/workflow-runs/" + id).json(), matching("run " + id + " ended",
            run -> List.of("succeeded", "failed", "cancelled").contains(run.getString("status"))));
  }

  /** The execution once it ended, polled every 200 ms for at most {@code bound}. */
  public static JsonObject executionEnded(Api api, String id, Duration bound) {
    return await().atMost(bound).pollInterval(Duration.ofMillis(200))
        .until(() -> api.get("/api/executions/" + id).json(), matching("execution " + id + " ended",
            execution -> !List.of("queued", "running").contains(execution.getString("status"))));
  }

  /**
   * A condition on the polled value, described as {@code description}: when a wait runs out, Awaitility's message
   * says what was awaited and the last value it saw ({@code until(() -> run(id), matching("an ended run", …))}).
   */
  public static <T> Matcher<T> matching(String description, Predicate<? super T> condition) {
    return new BaseMatcher<>() {
      @Override
      @SuppressWarnings("unchecked")
      public boolean matches(Object actual) {
        return condition.test((T) actual);
      }

      @Override
      public void describeTo(Description text) {
        text.appendText(description);
      }
    };
  }
}
