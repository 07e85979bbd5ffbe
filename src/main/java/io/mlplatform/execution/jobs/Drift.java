package io.mlplatform.execution.jobs;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.apache.commons.math3.stat.inference.ChiSquareTest;
import org.apache.commons.math3.stat.inference.KolmogorovSmirnovTest;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How far one feature's values moved from a baseline: the population stability index over the baseline's deciles
 * (numeric) or categories, with the two-sample Kolmogorov–Smirnov test (numeric) or a chi-square test of the
 * category counts (categorical). A feature drifted when its PSI is at least 0.2 (the usual "significant shift"), or
 * when the test rejects at 0.001 a shift the PSI calls at least moderate (0.1): with many rows, the tests alone reject
 * shifts too small to matter. Each result carries the shares per bin for a chart.
 */
final class Drift {
  static final double PSI_DRIFT = 0.2;
  static final double PSI_MODERATE = 0.1;
  static final double P_VALUE = 0.001;
  private static final int BINS = 10;
  private static final int MAX_CATEGORIES = 20;
  private static final String OTHER = "(other)";
  /** The share an empty bin counts as, so that the logarithm stays finite. */
  private static final double FLOOR = 1e-4;

  private Drift() {
  }

  /** A numeric feature; null or NaN values are left out by the caller. */
  static JsonObject numeric(String feature, double[] baseline, double[] current) {
    double[] sortedBaseline = baseline.clone();
    Arrays.sort(sortedBaseline);
    double[] edges = decileEdges(sortedBaseline);
    double[] expected = shares(sortedBaseline, edges);
    double[] actual = shares(current, edges);
    double psi = psi(expected, actual);
    KolmogorovSmirnovTest ks = new KolmogorovSmirnovTest();
    double statistic = ks.kolmogorovSmirnovStatistic(baseline, current);
    double p = ks.kolmogorovSmirnovTest(baseline, current);
    JsonArray bins = new JsonArray();
    for (int i = 0; i < expected.length; i++) {
      bins.add(new JsonObject().put("upper", i < edges.length ? edges[i] : null).put("baseline", expected[i])
          .put("current", actual[i]));
    }
    return result(feature, "numeric", psi, p).put("ks_statistic", statistic).put("bins", bins)
        .put("baseline_mean", Arrays.stream(baseline).average().orElse(Double.NaN))
        .put("current_mean", Arrays.stream(current).average().orElse(Double.NaN));
  }

  /** A categorical feature: counts per category; the baseline's most frequent categories are kept, others pooled. */
  static JsonObject categorical(String feature, Map<String, Long> baseline, Map<String, Long> current) {
    List<String> kept = baseline.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()).thenComparing(Map.Entry::getKey))
        .limit(MAX_CATEGORIES).map(Map.Entry::getKey).toList();
    Set<String> categories = new LinkedHashSet<>(kept);
    categories.add(OTHER);
    long[] expectedCounts = counts(baseline, kept, categories.size());
    long[] actualCounts = counts(current, kept, categories.size());
    double[] expected = toShares(expectedCounts);
    double[] actual = toShares(actualCounts);
    double psi = psi(expected, actual);
    double p = Double.NaN;
    double statistic = Double.NaN;
    long[][] nonEmpty = dropEmpty(expectedCounts, actualCounts);
    if (nonEmpty[0].length >= 2) {
      ChiSquareTest test = new ChiSquareTest();
      statistic = test.chiSquareDataSetsComparison(nonEmpty[0], nonEmpty[1]);
      p = test.chiSquareTestDataSetsComparison(nonEmpty[0], nonEmpty[1]);
    }
    JsonArray bins = new JsonArray();
    int i = 0;
    for (String category : categories) {
      bins.add(new JsonObject().put("category", category).put("baseline", expected[i]).put("current", actual[i]));
      i++;
    }
    JsonObject result = result(feature, "categorical", psi, p).put("bins", bins);
    return Double.isNaN(statistic) ? result : result.put("chi_square", statistic);
  }

  private static JsonObject result(String feature, String kind, double psi, double p) {
    boolean drifted = psi >= PSI_DRIFT || (!Double.isNaN(p) && p < P_VALUE && psi >= PSI_MODERATE);
    JsonObject result = new JsonObject().put("feature", feature).put("kind", kind).put("psi", psi)
        .put("drifted", drifted);
    return Double.isNaN(p) ? result : result.put("p_value", p);
  }

  /** Σ (actual − expected) · ln(actual / expected), empty bins floored. */
  static double psi(double[] expected, double[] actual) {
    double sum = 0;
    for (int i = 0; i < expected.length; i++) {
      double e = Math.max(expected[i], FLOOR);
      double a = Math.max(actual[i], FLOOR);
      sum += (a - e) * Math.log(a / e);
    }
    return sum;
  }

  /** The baseline's distinct deciles: the upper edges of the bins (the last bin is open). */
  private static double[] decileEdges(double[] sorted) {
    List<Double> edges = new ArrayList<>();
    for (int i = 1; i < BINS; i++) {
      double edge = sorted[Math.min(sorted.length - 1, (int) Math.floor(i * sorted.length / (double) BINS))];
      if (edges.isEmpty() || edge > edges.get(edges.size() - 1)) {
        edges.add(edge);
      }
    }
    return edges.stream().mapToDouble(Double::doubleValue).toArray();
  }

  /** The share of values in each bin: (−∞, e0), [e0, e1), ..., [e_last, ∞). */
  private static double[] shares(double[] values, double[] edges) {
    double[] shares = new double[edges.length + 1];
    for (double value : values) {
      int bin = Arrays.binarySearch(edges, value);
      bin = bin >= 0 ? bin + 1 : -bin - 1;
      shares[bin]++;
    }
    for (int i = 0; i < shares.length; i++) {
      shares[i] /= Math.max(1, values.length);
    }
    return shares;
  }

  private static long[] counts(Map<String, Long> counts, List<String> kept, int size) {
    long[] out = new long[size];
    counts.forEach((category, count) -> {
      int index = kept.indexOf(category);
      out[index < 0 ? size - 1 : index] += count;
    });
    return out;
  }

  private static double[] toShares(long[] counts) {
    long total = Math.max(1, Arrays.stream(counts).sum());
    return Arrays.stream(counts).mapToDouble(c -> c / (double) total).toArray();
  }

  /** The categories seen in either sample (the test needs no column of zeros). */
  private static long[][] dropEmpty(long[] a, long[] b) {
    List<long[]> kept = new ArrayList<>();
    for (int i = 0; i < a.length; i++) {
      if (a[i] + b[i] > 0) {
        kept.add(new long[]{a[i], b[i]});
      }
    }
    return new long[][]{kept.stream().mapToLong(k -> k[0]).toArray(), kept.stream().mapToLong(k -> k[1]).toArray()};
  }
}
