package io.mlplatform.execution.jobs;

import io.minio.MinioAsyncClient;
import io.minio.messages.Upload;
import io.mlplatform.storage.AbandonedUploads;
import io.mlplatform.storage.ObjectStore;
import io.mlplatform.storage.embedded.EmbeddedS3;
import io.mlplatform.support.LocalStores;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("fast")
@DisplayName("Orphans in the embedded S3 store")
class OrphansTest {
  private static final String ACCESS = "mlplatform";
  private static final String SECRET = "mlplatform-secret";

  @RegisterExtension
  static final LocalStores stores = new LocalStores();
  static EmbeddedS3 s3;
  static ObjectStore objects;

  @BeforeAll
  static void start() throws Exception {
    s3 = stores.s3(ACCESS, SECRET);
    objects = new ObjectStore(stores.vertx(), s3.endpoint(), "us-east-1", ACCESS, SECRET);
    objects.ensureBuckets()
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("an incomplete multipart upload is aborted by the sweep once older than the bound; a complete object stays")
  void abandonedUploadAborted() throws Exception {
    MinioAsyncClient client = MinioAsyncClient.builder().endpoint(s3.endpoint()).region("us-east-1")
        .credentials(ACCESS, SECRET).build();
    String uploadId = client.createMultipartUploadAsync(ObjectStore.DATASETS, "us-east-1", "killed.csv", null, null)
        .get().result().uploadId();
    byte[] part = new byte[5 * 1024 * 1024];
    client.uploadPartAsync(ObjectStore.DATASETS, "us-east-1", "killed.csv", part, part.length, uploadId, 1, null, null)
        .get();
    put(ObjectStore.DATASETS, "kept.csv");
    assertThat(uploads(client)).containsExactly(uploadId);

    // a bound of an hour leaves the fresh upload alone; a bound of 0 aborts it
    assertThat(sweep(3_600_000)).isZero();
    assertThat(uploads(client)).containsExactly(uploadId);
    assertThat(sweep(0)).isEqualTo(1);
    assertThat(uploads(client)).isEmpty();
    assertThat(objects.keysBlocking(ObjectStore.DATASETS, "")).contains("kept.csv");
  }

  @Test
  @DisplayName("a retry removes the earlier attempt's unfinished outputs and Spark temporaries, and keeps finished ones")
  void earlierAttemptLeftoversRemoved() throws Exception {
    String x = "executions/x/";
    put(ObjectStore.DATASETS, x + "out-aaaa/_temporary/0/_temporary/attempt_1/part-00000.csv");
    put(ObjectStore.DATASETS, x + "out-aaaa/part-00000.csv");        // committed by Spark, never recorded
    put(ObjectStore.DATASETS, x + "out-aaaa/_SUCCESS");
    put(ObjectStore.DATASETS, x + "done-bbbb/part-00000-1.csv");     // finished: may be a recorded version
    put(ObjectStore.RESULTS, x + "scored-cccc/_temporary/0/part-00000.parquet");
    put(ObjectStore.MODELS, x + "pipeline/_temporary/0/metadata/part-00000");
    put(ObjectStore.MODELS, x + "pipeline/metadata/part-00000");
    put(ObjectStore.DATASETS, "executions/y/out-dddd/_temporary/0/part-00000.csv");   // another execution's

    assertThat(EarlierAttempts.removeLeftovers(objects, "x")).isEqualTo(5);
    assertThat(objects.keysBlocking(ObjectStore.DATASETS, "executions/"))
        .containsExactlyInAnyOrder(x + "done-bbbb/part-00000-1.csv", "executions/y/out-dddd/_temporary/0/part-00000.csv");
    assertThat(objects.keysBlocking(ObjectStore.RESULTS, x)).isEmpty();
    assertThat(objects.keysBlocking(ObjectStore.MODELS, x)).containsExactly(x + "pipeline/metadata/part-00000");
  }

  private static int sweep(long olderThanMillis) throws Exception {
    return AbandonedUploads.sweep(objects, olderThanMillis).toCompletionStage().toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  private static List<String> uploads(MinioAsyncClient client) throws Exception {
    return client.listMultipartUploadsAsync(ObjectStore.DATASETS, "us-east-1", null, null, null, 1000, null, null,
        null, null).get().result().uploads().stream().map(Upload::uploadId).toList();
  }

  private static void put(String bucket, String key) throws Exception {
    objects.putBlocking(bucket, key, new ByteArrayInputStream("a,b\n1,2\n".getBytes()), "text/csv", "f.csv");
  }
}
