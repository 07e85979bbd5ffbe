package io.mlplatform.storage;

import io.mlplatform.support.LocalStores;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.IndexOptions;
import io.vertx.ext.mongo.MongoClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Tag("fast")
@DisplayName("The embedded MongoDB, through the Java driver")
class EmbeddedMongoTest {
  @RegisterExtension
  static final LocalStores stores = new LocalStores();
  static MongoClient mongo;

  @BeforeAll
  static void start() throws Exception {
    mongo = stores.mongo("test");
  }

  @Test
  @DisplayName("answers hello as a writable primary with a wire version current drivers and mongosh 2.x accept")
  void hello() throws Exception {
    JsonObject hello = await(mongo.runCommand("hello", new JsonObject().put("hello", 1)));
    assertThat(hello.getBoolean("isWritablePrimary")).isTrue();
    assertThat(hello.getInteger("maxWireVersion")).isEqualTo(13);   // MongoDB 5.0's; mongosh 2.x needs at least 9
    JsonObject build = await(mongo.runCommand("buildInfo", new JsonObject().put("buildInfo", 1)));
    assertThat(build.getString("version")).isEqualTo("5.0.0");
  }

  @Test
  @DisplayName("serves equality, sorted pages and counts from a non-unique index, kept right through updates and deletes")
  void secondaryIndex() throws Exception {
    List<JsonObject> documents = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      documents.add(new JsonObject().put("_id", "e" + i).put("status", i % 3 == 0 ? "failed" : "succeeded")
          .put("created_at", String.format("2026-01-01T00:%02d:%02dZ", i / 60, i % 60)));
    }
    for (JsonObject document : documents) {
      await(mongo.insert("runs", document));
    }
    await(Documents.ensureIndexes(mongo, "runs", new JsonObject().put("status", 1).put("created_at", 1),
        new JsonObject().put("created_at", -1)));
    await(mongo.updateCollection("runs", new JsonObject().put("_id", "e3"),
        new JsonObject().put("$set", new JsonObject().put("status", "queued"))));
    await(mongo.removeDocument("runs", new JsonObject().put("_id", "e6")));

    FindOptions newestFirst = new FindOptions().setSort(new JsonObject().put("created_at", -1)).setLimit(3);
    assertThat(ids(await(mongo.findWithOptions("runs", new JsonObject(), newestFirst)))).containsExactly("e299", "e298", "e297");
    assertThat(ids(await(mongo.findWithOptions("runs", new JsonObject().put("status", "failed"), newestFirst.setSkip(1)))))
        .containsExactly("e294", "e291", "e288");
    assertThat(ids(await(mongo.find("runs", new JsonObject().put("status", "queued"))))).containsExactly("e3");
    assertThat(await(mongo.count("runs", new JsonObject().put("status", "failed")))).isEqualTo(98L);
    assertThat(await(mongo.count("runs", new JsonObject().put("status", "failed").put("created_at", "2026-01-01T00:00:09Z"))))
        .isEqualTo(1L);
    assertThat(await(mongo.count("runs", new JsonObject().put("created_at", "2026-01-01T00:00:06Z")))).isZero();
    assertThat(await(mongo.count("runs", new JsonObject().put("status", "failed").put("attempts", 1)))).isZero();
    assertThat(await(mongo.count("runs", new JsonObject().put("status",
        new JsonObject().put("$in", new JsonArray().add("failed").add("queued")))))).isEqualTo(99L);
    JsonObject claimed = await(mongo.findOneAndUpdateWithOptions("runs", new JsonObject().put("status", "failed"),
        new JsonObject().put("$set", new JsonObject().put("status", "running")),
        new FindOptions().setSort(new JsonObject().put("created_at", 1)), new io.vertx.ext.mongo.UpdateOptions()));
    assertThat(claimed.getString("_id")).isEqualTo("e0");
    assertThat(ids(await(mongo.find("runs", new JsonObject().put("status", "running").put("_id", "e0"))))).containsExactly("e0");
    assertThat(await(mongo.count("runs", new JsonObject().put("status", "failed")))).isEqualTo(97L);

    // the index is rebuilt when the store opens again
    stores.stopMongo();
    mongo = stores.mongo("test");
    assertThat(await(mongo.count("runs", new JsonObject().put("status", "failed")))).isEqualTo(97L);
    assertThat(ids(await(mongo.findWithOptions("runs", new JsonObject().put("status", "failed"),
        new FindOptions().setSort(new JsonObject().put("created_at", 1)).setLimit(2))))).containsExactly("e9", "e12");
    JsonArray indexes = await(mongo.listIndexes("runs"));
    assertThat(indexes.stream().map(index -> ((JsonObject) index).getString("name")))
        .contains("status_1_created_at_1", "created_at_-1");
  }

  @Test
  @DisplayName("refuses a second document under a unique index")
  void uniqueIndex() throws Exception {
    await(mongo.createIndexWithOptions("keys", new JsonObject().put("hash", 1), new IndexOptions().unique(true)));
    await(mongo.insert("keys", new JsonObject().put("hash", "h1")));
    assertThatThrownBy(() -> await(mongo.insert("keys", new JsonObject().put("hash", "h1"))))
        .satisfies(failure -> assertThat(Documents.isDuplicateKey(failure)).isTrue());
  }

  private static List<String> ids(List<JsonObject> documents) {
    return documents.stream().map(document -> document.getString("_id")).toList();
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
