package io.mlplatform.queue;

import io.mlplatform.mcp.ErrorCode;
import io.mlplatform.mcp.McpException;
import io.mlplatform.support.LocalStores;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

@Tag("fast")
@DisplayName("Leased queue: one node per job, held by a lease; a dead node's jobs are taken up again, or fail at the last attempt")
class LeasedQueueTest {
  private static final long LEASE = 60_000;
  /** A lease that ran out as soon as it was taken: the node holding it died at once. */
  private static final long RAN_OUT = -1;

  @RegisterExtension
  static final LocalStores stores = new LocalStores();
  static MongoClient mongo;

  private String collection;
  private LeasedQueue queue;
  private int created;

  @BeforeAll
  static void startMongo() throws Exception {
    mongo = stores.mongo("queue");
  }

  /** Each test its own collection: a fresh queue. */
  @BeforeEach
  void freshQueue(org.junit.jupiter.api.TestInfo test) {
    collection = "jobs_" + test.getTestMethod().orElseThrow().getName();
    queue = new LeasedQueue(mongo, collection, "execution", attempts -> "lost on the last of " + attempts + " attempts");
    await(queue.ensureIndexes());
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.await(10, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("no answer within 10 s", e);
    }
  }

  /** Queues a job as ExecutionStore does, each one created after the one before. */
  private String enqueue(String id, int maxAttempts) {
    String createdAt = String.format("2026-03-01T10:00:%02dZ", created++);
    await(mongo.insert(collection, new JsonObject().put("_id", id).put("status", "queued").put("attempts", 0)
        .put("max_attempts", maxAttempts).put("created_at", createdAt).put("cancel_requested", false)));
    return id;
  }

  private JsonObject job(String id) {
    return await(mongo.findOne(collection, new JsonObject().put("_id", id), null));
  }

  private String claimId(String node, long leaseMillis) {
    JsonObject claimed = await(queue.claim(node, leaseMillis));
    return claimed == null ? null : claimed.getString("_id");
  }

  @Test
  @DisplayName("a claim takes the oldest queued job, marks it running on the node under a lease and counts the attempt")
  void claimTakesOldestFirst() {
    enqueue("second", 3);
    enqueue("third", 3);
    await(mongo.updateCollection(collection, new JsonObject().put("_id", "second"),
        new JsonObject().put("$set", new JsonObject().put("created_at", "2026-03-01T09:59:00Z"))));
    enqueue("fourth", 3);

    long before = System.currentTimeMillis();
    JsonObject claimed = await(queue.claim("node-a", LEASE));
    assertThat(claimed.getString("_id")).isEqualTo("second");
    assertThat(claimed.getString("status")).isEqualTo("running");
    assertThat(claimed.getString("node")).isEqualTo("node-a");
    assertThat(claimed.getInteger("attempts")).isEqualTo(1);
    assertThat(claimed.getLong("lease_until")).isBetween(before + LEASE, System.currentTimeMillis() + LEASE);
    assertThat(claimed.getString("started_at")).isNotNull();
    assertThat(job("second").getString("status")).as("stored, not only answered").isEqualTo("running");

    assertThat(claimId("node-b", LEASE)).isEqualTo("third");
    assertThat(claimId("node-a", LEASE)).isEqualTo("fourth");
    assertThat(await(queue.claim("node-a", LEASE))).as("nothing left to claim").isNull();
  }

  @Test
  @DisplayName("two nodes claiming at the same time never get the same job, and every job is claimed once")
  void concurrentClaimsAreExclusive() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      ids.add(enqueue("job-" + i, 1));
    }
    List<Future<JsonObject>> claims = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      claims.add(queue.claim(i % 2 == 0 ? "node-a" : "node-b", LEASE));
    }
    await(Future.join(claims));
    List<JsonObject> won = claims.stream().map(Future::result).filter(Objects::nonNull).toList();
    assertThat(won.stream().map(job -> job.getString("_id")).toList()).doesNotHaveDuplicates()
        .containsExactlyInAnyOrderElementsOf(ids);
    for (JsonObject claimed : won) {
      assertThat(job(claimed.getString("_id")).getString("node")).as("the stored holder is the one that won")
          .isEqualTo(claimed.getString("node"));
      assertThat(claimed.getInteger("attempts")).isEqualTo(1);
    }
  }

  @Test
  @DisplayName("a job whose lease ran out is queued again and claimed by another node, its attempts counted")
  void expiredLeaseIsClaimableAgain() {
    enqueue("train-1", 3);
    enqueue("train-2", 3);
    assertThat(claimId("node-a", RAN_OUT)).isEqualTo("train-1");
    assertThat(claimId("node-a", LEASE)).isEqualTo("train-2");
    assertThat(await(queue.claim("node-b", LEASE))).as("a running job, even with a lapsed lease, is not claimed").isNull();

    await(queue.requeueExpired());
    JsonObject requeued = job("train-1");
    assertThat(requeued.getString("status")).isEqualTo("queued");
    assertThat(requeued.getString("node")).isNull();
    assertThat(job("train-2").getString("status")).as("a live lease is left alone").isEqualTo("running");
    assertThat(job("train-2").getString("node")).isEqualTo("node-a");

    JsonObject again = await(queue.claim("node-b", LEASE));
    assertThat(again.getString("_id")).isEqualTo("train-1");
    assertThat(again.getInteger("attempts")).isEqualTo(2);
    assertThat(await(queue.finish("train-1", "node-a", "succeeded", new JsonObject())))
        .as("the dead node's late answer is not recorded").isFalse();
    assertThat(await(queue.finish("train-1", "node-b", "succeeded", new JsonObject().put("result", 42)))).isTrue();
    assertThat(job("train-1").getMap()).containsEntry("status", "succeeded").containsEntry("result", 42)
        .containsKey("finished_at");
  }

  @Test
  @DisplayName("a job whose lease runs out on its last attempt fails with the queue's error instead of running again")
  void lastAttemptFails() {
    enqueue("flaky", 2);
    assertThat(claimId("node-a", RAN_OUT)).isEqualTo("flaky");
    await(queue.requeueExpired());
    assertThat(claimId("node-b", RAN_OUT)).isEqualTo("flaky");
    await(queue.requeueExpired());

    JsonObject failed = job("flaky");
    assertThat(failed.getString("status")).isEqualTo("failed");
    assertThat(failed.getString("error")).isEqualTo("lost on the last of 2 attempts");
    assertThat(failed.getInteger("attempts")).isEqualTo(2);
    assertThat(failed.getString("finished_at")).isNotNull();
    assertThat(await(queue.claim("node-c", LEASE))).isNull();
  }

  @Test
  @DisplayName("renewing extends only the leases the node holds, and tells it which of its jobs were asked to cancel")
  void renewExtendsOwnLeases() {
    enqueue("mine", 1);
    enqueue("also-mine", 1);
    enqueue("theirs", 1);
    claimId("node-a", RAN_OUT);
    claimId("node-a", RAN_OUT);
    claimId("node-b", RAN_OUT);
    long theirLease = job("theirs").getLong("lease_until");

    await(queue.cancel("also-mine", "running"));
    List<String> cancelled = await(queue.renew("node-a", List.of("mine", "also-mine", "theirs"), LEASE));
    assertThat(cancelled).containsExactly("also-mine");
    assertThat(job("mine").getLong("lease_until")).isGreaterThan(System.currentTimeMillis() + LEASE / 2);
    assertThat(job("theirs").getLong("lease_until")).as("another node's lease").isEqualTo(theirLease);
    assertThat(job("also-mine").getString("status")).as("a running job stops only when its node stops it")
        .isEqualTo("running");
    assertThat(await(queue.renew("node-a", List.of(), LEASE))).isEmpty();

    await(queue.requeueExpired());
    assertThat(job("mine").getString("status")).as("renewed in time").isEqualTo("running");
    assertThat(job("theirs").getString("status")).as("not renewed, last attempt").isEqualTo("failed");
  }

  @Test
  @DisplayName("a stopping node hands its jobs back: queued again for any node, and no longer its to finish")
  void releaseQueuesAgain() {
    enqueue("a", 3);
    enqueue("b", 3);
    claimId("node-a", LEASE);
    claimId("node-b", LEASE);
    await(queue.release("node-a", List.of("a", "b")));
    assertThat(job("a").getString("status")).isEqualTo("queued");
    assertThat(job("a").getString("node")).isNull();
    assertThat(job("b").getString("node")).as("only what the node holds").isEqualTo("node-b");
    assertThat(await(queue.finish("a", "node-a", "succeeded", new JsonObject()))).isFalse();
    assertThat(claimId("node-c", LEASE)).isEqualTo("a");
    assertThat(job("a").getInteger("attempts")).isEqualTo(2);
  }

  @Test
  @DisplayName("cancelling a queued job ends it at once; a running one is asked to stop; an ended one is a conflict")
  void cancel() {
    enqueue("waiting", 1);
    enqueue("running", 1);
    await(mongo.updateCollection(collection, new JsonObject().put("_id", "running"),
        new JsonObject().put("$set", new JsonObject().put("created_at", "2026-03-01T09:00:00Z"))));
    claimId("node-a", LEASE);

    await(queue.cancel("waiting", "queued"));
    assertThat(job("waiting").getString("status")).isEqualTo("cancelled");
    assertThat(job("waiting").getString("finished_at")).isNotNull();
    assertThat(await(queue.claim("node-b", LEASE))).as("a cancelled job is not claimed").isNull();

    await(queue.cancel("running", "running"));
    assertThat(job("running").getMap()).containsEntry("status", "running").containsEntry("cancel_requested", true);
    assertThat(await(queue.finish("running", "node-a", "cancelled", new JsonObject()))).isTrue();

    McpException ended = catchThrowableOfType(McpException.class, () -> await(queue.cancel("running", "cancelled")));
    assertThat(ended.code()).isEqualTo(ErrorCode.CONFLICT);
    assertThat(ended.getMessage()).isEqualTo("execution 'running' is already cancelled");
  }
}
