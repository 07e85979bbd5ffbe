package io.mlplatform.security;

import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.mlplatform.Node;
import io.mlplatform.support.Api;
import io.mlplatform.support.FromNode;
import io.mlplatform.support.ObjectListing;
import io.mlplatform.support.SharedNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("fast")
@ExtendWith(SharedNode.class)
@DisplayName("Spark zips are checked at upload (paths, expansion) and their unzipped copies go with their versions")
class ZipUploadTest {
  private static final String METADATA = "{\"class\":\"org.apache.spark.ml.PipelineModel\",\"sparkVersion\":\"4.1.0\"}\n";
  @FromNode static Node node;
  @FromNode static Api api;

  @BeforeAll
  static void start() {
    for (String name : new String[]{"zips", "first", "second"}) {
      assertThat(api.postJson("/api/models", new JsonObject().put("name", name)).status()).isEqualTo(201);
    }
  }

  /** A zip with the pipeline's metadata and one more entry of {@code size} zero bytes named {@code name}. */
  private static byte[] zip(String name, int size) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
      zip.setLevel(Deflater.BEST_COMPRESSION);
      zip.putNextEntry(new ZipEntry("pipeline/metadata/part-00000"));
      zip.write(METADATA.getBytes(StandardCharsets.UTF_8));
      zip.closeEntry();
      zip.putNextEntry(new ZipEntry(name));
      byte[] block = new byte[1 << 20];
      for (int written = 0; written < size; written += block.length) {
        zip.write(block, 0, Math.min(block.length, size - written));
      }
      zip.closeEntry();
    }
    return bytes.toByteArray();
  }

  private static Api.Response upload(String model, byte[] zip) {
    return api.upload("/api/models/" + model + "/versions", Map.of("format", "spark"), "pipeline.zip", zip);
  }

  @Test
  @DisplayName("entries with '..' or absolute paths, and a zip expanding over its bound, are refused and leave nothing")
  void badZipsRefused() throws Exception {
    int before = ObjectListing.keys(node, "models").size();
    for (String name : new String[]{"../../escape.txt", "pipeline/../../escape.txt", "/etc/cron.d/x", "C:\\evil.dll"}) {
      Api.Response response = upload("zips", zip(name, 10));
      assertThat(response.status()).as(name + " → " + response.text()).isEqualTo(400);
      assertThat(response.errorMessage()).contains("outside the archive");
    }
    byte[] bomb = zip("pipeline/stages/0/data/part-0", 80 << 20);
    assertThat(bomb.length).isLessThan(200_000);
    Api.Response expanded = upload("zips", bomb);
    assertThat(expanded.status()).as(expanded.text()).isEqualTo(400);
    assertThat(expanded.errorMessage()).contains("expands to more than");
    assertThat(api.get("/api/models/zips/versions").json().getLong("total")).isZero();
    assertThat(ObjectListing.keys(node, "models")).hasSize(before);
    assertThat(upload("zips", zip("pipeline/stages/0/data/part-0", 1 << 20)).status()).isEqualTo(201);
  }

  @Test
  @DisplayName("deleting a model removes the unzipped copy of its spark artifact once no other version holds it")
  void unzippedCopyRemoved() throws Exception {
    byte[] pipeline = zip("pipeline/stages/0/data/part-0", 1000);
    Api.Response first = upload("first", pipeline);
    Api.Response second = upload("second", pipeline);
    assertThat(first.status()).isEqualTo(201);
    String sha = first.json().getString("sha256");
    assertThat(second.json().getString("sha256")).isEqualTo(sha);
    // what batch scoring leaves (BatchPredictJob.loadPipeline), written over S3 as it writes it
    MinioClient s3 = MinioClient.builder().endpoint(node.s3Endpoint())
        .credentials(node.settings().s3AccessKey(), node.settings().s3SecretKey()).build();
    for (String key : new String[]{"metadata/part-00000", "_UNZIPPED"}) {
      s3.putObject(PutObjectArgs.builder().bucket("models").object("unzipped/" + sha + "/pipeline/" + key)
          .stream(new ByteArrayInputStream(new byte[]{1}), 1, -1).build());
    }
    assertThat(api.delete("/api/models/first").status()).isEqualTo(204);
    assertThat(ObjectListing.keys(node, "models")).anyMatch(k -> k.startsWith("unzipped/" + sha + "/"));
    assertThat(api.delete("/api/models/second").status()).isEqualTo(204);
    assertThat(ObjectListing.keys(node, "models")).noneMatch(k -> k.startsWith("unzipped/" + sha + "/"));
  }
}
