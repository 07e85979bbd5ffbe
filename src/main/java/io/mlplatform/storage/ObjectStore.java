package io.mlplatform.storage;

import io.minio.BucketExistsArgs;
import io.minio.GetObjectArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioAsyncClient;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.errors.ErrorResponseException;
import io.minio.messages.ListMultipartUploadsResult;
import io.minio.messages.Upload;
import io.mlplatform.mcp.ErrorCode;
import io.mlplatform.mcp.McpException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * The S3 object store (MinIO, any S3, or the embedded server) through minio-java. The client blocks, so every
 * call runs on the storage worker pool and returns a Future; an event loop never waits on it.
 */
public final class ObjectStore {
  public static final String MODELS = "models";
  public static final String DATASETS = "datasets";
  public static final String RESULTS = "results";
  private static final java.util.List<String> BUCKETS = java.util.List.of(MODELS, DATASETS, RESULTS);

  /** Multipart part size for streams of unknown length; one part is buffered in memory at a time. */
  private static final long PART_SIZE = 16L * 1024 * 1024;

  private final MinioClient client;
  /** For what MinioClient does not offer: listing and aborting multipart uploads. */
  private final MinioAsyncClient uploads;
  private final String region;
  private final WorkerExecutor workers;
  private final String endpoint;

  public ObjectStore(Vertx vertx, String endpoint, String region, String accessKey, String secretKey) {
    this.endpoint = endpoint;
    this.client = MinioClient.builder().endpoint(endpoint).region(region).credentials(accessKey, secretKey).build();
    this.uploads = MinioAsyncClient.builder().endpoint(endpoint).region(region).credentials(accessKey, secretKey).build();
    this.region = region;
    this.workers = vertx.createSharedWorkerExecutor("mlp-storage", 32);
  }

  public String endpoint() {
    return endpoint;
  }

  /** Runs blocking storage work on the storage pool, unordered so that concurrent streams do not queue. */
  public <T> Future<T> blocking(Callable<T> work) {
    return workers.executeBlocking(work, false);
  }

  /**
   * Creates the platform's buckets that do not exist yet (every node whose roles use the store calls it at start, and
   * its readiness check again: no role depends on another having started first). Fails when the store does not
   * answer or refuses the credentials.
   */
  public Future<Void> ensureBuckets() {
    return blocking(() -> {
      for (String bucket : BUCKETS) {
        if (!client.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
          try {
            client.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
          } catch (ErrorResponseException e) {
            String code = e.errorResponse().code();
            if (!"BucketAlreadyOwnedByYou".equals(code) && !"BucketAlreadyExists".equals(code)) {
              throw e;
            }
          }
        }
      }
      return null;
    });
  }

  /**
   * Streams {@code in} to bucket/key (blocking: call it from a worker thread), computing size and SHA-256 on the way.
   */
  public StoredObject putBlocking(String bucket, String key, InputStream in, String contentType, String filename)
      throws Exception {
    DigestingInputStream digesting = new DigestingInputStream(in);
    client.putObject(PutObjectArgs.builder().bucket(bucket).object(key)
        .stream(digesting, -1, PART_SIZE).contentType(contentType).build());
    return new StoredObject(bucket, key, digesting.count, digesting.hex(), contentType, filename);
  }

  /** Opens an object for reading (blocking: call it from a worker thread); the caller closes the stream. */
  public InputStream openBlocking(String bucket, String key) throws Exception {
    try {
      return client.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build());
    } catch (ErrorResponseException e) {
      if ("NoSuchKey".equals(e.errorResponse().code())) {
        throw new McpException(ErrorCode.NOT_FOUND, "object " + bucket + "/" + key + " is missing from the store");
      }
      throw e;
    }
  }

  /** Opens {@code length} bytes of an object from {@code offset} (blocking: call it from a worker thread). */
  public InputStream openRangeBlocking(String bucket, String key, long offset, long length) throws Exception {
    return client.getObject(GetObjectArgs.builder().bucket(bucket).object(key).offset(offset).length(length).build());
  }

  /** The keys under a prefix (blocking: call it from a worker thread). */
  public List<String> keysBlocking(String bucket, String prefix) throws Exception {
    List<String> keys = new java.util.ArrayList<>();
    for (io.minio.Result<io.minio.messages.Item> item : client.listObjects(
        io.minio.ListObjectsArgs.builder().bucket(bucket).prefix(prefix).recursive(true).build())) {
      keys.add(item.get().objectName());
    }
    return keys;
  }

  /** Removes an object (blocking: call it from a worker thread). */
  public void removeBlocking(String bucket, String key) throws Exception {
    client.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key).build());
  }

  /**
   * Aborts the multipart uploads of {@code bucket} started before {@code cutoff} and never completed (an upload whose
   * client or node died): their parts are stored and invisible until then. Completes with how many were aborted
   * (blocking: call it from a worker thread).
   */
  public int abortUploadsStartedBeforeBlocking(String bucket, Instant cutoff) throws Exception {
    int aborted = 0;
    String keyMarker = null;
    String uploadIdMarker = null;
    while (true) {
      ListMultipartUploadsResult page = uploads.listMultipartUploadsAsync(bucket, region, null, null, keyMarker, 1000,
          null, uploadIdMarker, null, null).get().result();
      for (Upload upload : page.uploads()) {
        if (upload.initiated() != null && upload.initiated().toInstant().isBefore(cutoff)) {
          uploads.abortMultipartUploadAsync(bucket, region, upload.objectName(), upload.uploadId(), null, null).get();
          aborted++;
        }
      }
      if (!page.isTruncated() || page.nextKeyMarker() == null) {
        return aborted;
      }
      keyMarker = page.nextKeyMarker();
      uploadIdMarker = page.nextUploadIdMarker();
    }
  }

  /** Removes an object; removing one that is not there is not an error. */
  public Future<Void> remove(String bucket, String key) {
    return blocking(() -> {
      removeBlocking(bucket, key);
      return null;
    });
  }

  public Future<Void> remove(StoredObject object) {
    return remove(object.bucket(), object.key());
  }

  /** Removes every object; completes when all attempts are done, failing if any failed. */
  public Future<Void> removeAll(List<StoredObject> objects) {
    return Future.all(objects.stream().map(this::remove).toList()).mapEmpty();
  }

  /** Counts bytes and computes their SHA-256 as they are read. */
  private static final class DigestingInputStream extends FilterInputStream {
    private final MessageDigest digest;
    private long count;

    DigestingInputStream(InputStream in) throws NoSuchAlgorithmException {
      super(in);
      this.digest = MessageDigest.getInstance("SHA-256");
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        digest.update((byte) b);
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      int n = super.read(buffer, offset, length);
      if (n > 0) {
        digest.update(buffer, offset, n);
        count += n;
      }
      return n;
    }

    @Override
    public boolean markSupported() {
      return false;
    }

    String hex() {
      return HexFormat.of().formatHex(digest.digest());
    }
  }
}
