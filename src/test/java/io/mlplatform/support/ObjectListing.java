package io.mlplatform.support;

import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.Result;
import io.minio.messages.Item;
import io.mlplatform.Node;

import java.util.ArrayList;
import java.util.List;

/** Lists a bucket over the S3 protocol, to check what the platform left in the object store. */
public final class ObjectListing {
  private ObjectListing() {
  }

  public static List<String> keys(Node node, String bucket) throws Exception {
    MinioClient client = MinioClient.builder().endpoint(node.s3Endpoint())
        .credentials(node.settings().s3AccessKey(), node.settings().s3SecretKey()).build();
    List<String> keys = new ArrayList<>();
    for (Result<Item> item : client.listObjects(ListObjectsArgs.builder().bucket(bucket).recursive(true).build())) {
      keys.add(item.get().objectName());
    }
    return keys;
  }
}
