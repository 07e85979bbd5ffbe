package io.mlplatform.storage.embedded;

import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.FilesystemNio2BlobStore;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/** The in-process S3 server (s3proxy, filesystem store) on loopback, for a node with no S3 endpoint configured. */
public final class EmbeddedS3 implements AutoCloseable {
  private final S3Proxy proxy;

  private EmbeddedS3(S3Proxy proxy) {
    this.proxy = proxy;
  }

  /** Starts the server on 127.0.0.1:port (0 picks a free port), storing objects under {@code dir}. */
  public static EmbeddedS3 start(Path dir, int port, String accessKey, String secretKey) throws Exception {
    Files.createDirectories(dir);
    S3Proxy proxy = S3Proxy.builder()
        .blobStore(new FilesystemNio2BlobStore(dir.toAbsolutePath().normalize().toString()))
        .endpoint(URI.create("http://127.0.0.1:" + port))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
        .build();
    proxy.start();
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!"STARTED".equals(proxy.getState())) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("embedded S3 server did not start: " + proxy.getState());
      }
      Thread.sleep(10);
    }
    return new EmbeddedS3(proxy);
  }

  public String endpoint() {
    return "http://127.0.0.1:" + proxy.getPort();
  }

  @Override
  public void close() throws Exception {
    proxy.stop();
  }
}
