package io.mlplatform.runtime.spark;

import io.mlplatform.storage.ObjectStore;
import io.mlplatform.storage.StoredObject;
import io.vertx.core.json.JsonObject;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.ml.evaluation.ClusteringEvaluator;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.evaluation.RegressionEvaluator;
import org.apache.spark.ml.feature.StringIndexerModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

import java.io.FilterInputStream;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Optional;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * What a pipeline trained here is made of and how it is judged: a classifier indexes its label into
 * {@value #INDEXED_LABEL}; and how a stored pipeline is loaded for Spark.
 */
public final class Pipelines {
  /** The column a classifier's label indexer writes. */
  public static final String INDEXED_LABEL = "label_index";
  private static final String COMPLETE = "_UNZIPPED";

  private Pipelines() {
  }

  /** A trained pipeline's label indexer (classifiers have one, writing {@value #INDEXED_LABEL}), if any. */
  public static Optional<StringIndexerModel> labelIndexer(Transformer stage) {
    return stage instanceof StringIndexerModel indexer && indexer.isSet(indexer.outputCol())
        && INDEXED_LABEL.equals(indexer.getOutputCol()) ? Optional.of(indexer) : Optional.empty();
  }

  /** Metrics of scored rows: silhouette for clusters, accuracy/F1 (and AUC when binary), or RMSE/R². */
  public static JsonObject metrics(boolean supervised, boolean classifier, Dataset<Row> scored, String label) {
    JsonObject metrics = new JsonObject();
    if (!supervised) {
      metrics.put("silhouette", new ClusteringEvaluator().evaluate(scored));
      return metrics;
    }
    if (classifier) {
      MulticlassClassificationEvaluator multi = new MulticlassClassificationEvaluator().setLabelCol(label);
      metrics.put("accuracy", multi.setMetricName("accuracy").evaluate(scored));
      metrics.put("f1", multi.setMetricName("f1").evaluate(scored));
      if (scored.select(label).distinct().count() == 2 && Arrays.asList(scored.columns()).contains("rawPrediction")) {
        metrics.put("auc", new BinaryClassificationEvaluator().setLabelCol(label).evaluate(scored));
      }
    } else {
      RegressionEvaluator regression = new RegressionEvaluator().setLabelCol(label);
      metrics.put("rmse", regression.setMetricName("rmse").evaluate(scored));
      metrics.put("r2", regression.setMetricName("r2").evaluate(scored));
    }
    return metrics;
  }

  /** Where a zipped pipeline (by its SHA-256) is unzipped in the models bucket. */
  static String unzippedPrefix(String sha256) {
    return "unzipped/" + sha256 + "/";
  }

  /**
   * A zipped saved pipeline, unzipped once into the models bucket (under its sha256) and loaded from there with s3a,
   * so that executors on other machines of a Spark cluster read the same files. A marker written last says the
   * unzipped copy is whole.
   */
  static PipelineModel load(ObjectStore objects, StoredObject artifact) throws Exception {
    String prefix = unzippedPrefix(artifact.sha256());
    if (!objects.keysBlocking(ObjectStore.MODELS, prefix + COMPLETE).contains(prefix + COMPLETE)) {
      try (InputStream in = objects.openBlocking(artifact.bucket(), artifact.key()); ZipInputStream zip = new ZipInputStream(in)) {
        for (ZipEntry entry = zip.getNextEntry(); entry != null; entry = zip.getNextEntry()) {
          String name = entry.getName();
          if (entry.isDirectory() || name.startsWith("/") || name.contains("..")) {
            continue;
          }
          // the entry's bytes only: the store must not close the zip stream
          objects.putBlocking(ObjectStore.MODELS, prefix + name, new FilterInputStream(zip) {
            @Override
            public void close() {
            }
          }, "application/octet-stream", name.substring(name.lastIndexOf('/') + 1));
        }
      }
      objects.putBlocking(ObjectStore.MODELS, prefix + COMPLETE, InputStream.nullInputStream(), "text/plain", COMPLETE);
    }
    return PipelineModel.load("s3a://" + ObjectStore.MODELS + "/" + prefix.substring(0, prefix.length() - 1));
  }
}
