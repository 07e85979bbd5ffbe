package io.mlplatform.execution.jobs;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("fast")
@DisplayName("Drift flags a shifted feature and not an unshifted one")
class DriftTest {
  private final Random random = new Random(3);

  @Test
  @DisplayName("numeric: the same distribution passes, a mean moved by half a standard deviation or a wider spread is flagged")
  void numeric() {
    double[] baseline = normal(5000, 0, 1);
    JsonObject same = Drift.numeric("x", baseline, normal(2000, 0, 1));
    assertThat(same.getBoolean("drifted")).as(same.encode()).isFalse();
    assertThat(same.getDouble("psi")).isLessThan(Drift.PSI_MODERATE);
    assertThat(same.getDouble("p_value")).isGreaterThan(Drift.P_VALUE);

    JsonObject moved = Drift.numeric("x", baseline, normal(2000, 0.5, 1));
    assertThat(moved.getBoolean("drifted")).as(moved.encode()).isTrue();
    assertThat(moved.getDouble("ks_statistic")).isGreaterThan(0.15);
    assertThat(moved.getDouble("current_mean")).isGreaterThan(moved.getDouble("baseline_mean") + 0.4);
    assertThat(moved.getJsonArray("bins")).hasSize(10);

    JsonObject wider = Drift.numeric("x", baseline, normal(2000, 0, 2));
    assertThat(wider.getBoolean("drifted")).as(wider.encode()).isTrue();
  }

  @Test
  @DisplayName("categorical: the same shares pass, swapped shares and a new category are flagged")
  void categorical() {
    Map<String, Long> baseline = draw(5000, Map.of("a", 0.5, "b", 0.3, "c", 0.2));
    JsonObject same = Drift.categorical("plan", baseline, draw(2000, Map.of("a", 0.5, "b", 0.3, "c", 0.2)));
    assertThat(same.getBoolean("drifted")).as(same.encode()).isFalse();
    assertThat(same.getDouble("p_value")).isGreaterThan(Drift.P_VALUE);

    JsonObject swapped = Drift.categorical("plan", baseline, draw(2000, Map.of("a", 0.2, "b", 0.3, "c", 0.5)));
    assertThat(swapped.getBoolean("drifted")).as(swapped.encode()).isTrue();
    assertThat(swapped.getDouble("chi_square")).isGreaterThan(100);

    JsonObject unseen = Drift.categorical("plan", baseline, draw(2000, Map.of("a", 0.3, "b", 0.2, "z", 0.5)));
    assertThat(unseen.getBoolean("drifted")).isTrue();
    assertThat(unseen.getJsonArray("bins").stream().map(b -> ((JsonObject) b).getString("category")))
        .containsExactly("a", "b", "c", "(other)");
  }

  private double[] normal(int n, double mean, double sd) {
    double[] values = new double[n];
    for (int i = 0; i < n; i++) {
      values[i] = mean + sd * random.nextGaussian();
    }
    return values;
  }

  private Map<String, Long> draw(int n, Map<String, Double> shares) {
    Map<String, Long> counts = new HashMap<>();
    java.util.List<String> names = shares.keySet().stream().sorted().toList();
    for (int i = 0; i < n; i++) {
      double u = random.nextDouble();
      double cumulative = 0;
      for (String name : names) {
        cumulative += shares.get(name);
        if (u < cumulative || name.equals(names.get(names.size() - 1))) {
          counts.merge(name, 1L, Long::sum);
          break;
        }
      }
    }
    return counts;
  }
}
