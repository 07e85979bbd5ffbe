package io.mlplatform;

import io.mlplatform.mcp.Envelope;
import io.mlplatform.mcp.ErrorCode;
import io.mlplatform.mcp.McpClient;
import io.mlplatform.mcp.McpException;
import io.mlplatform.mcp.Nodes;
import io.mlplatform.support.TestNodes;
import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;

/**
 * What a client sees when the node serving its request leaves the cluster before answering: not the request
 * timeout (30 s here), but a retry elsewhere for a read and a 503 naming the doubt for anything else.
 */
@Tag("slow")
@DisplayName("A request whose node leaves before answering")
class NodeLeftTest {
  private static final String SERVICE = "test.service";
  private static final Envelope.Party SERVER = new Envelope.Party(SERVICE, "test");

  @TempDir
  Path dir;

  @Test
  @DisplayName("a write fails at once with unavailable (it may or may not have been done); a read is answered by another node")
  void leavesBeforeAnswering() throws Exception {
    TestNodes.Cluster cluster = TestNodes.cluster(3);
    try (Node caller = TestNodes.start(dir.resolve("a"), cluster.node(0, "data", Map.of()))) {
      Map<String, String> shared = Map.of("MLP_MONGO_URI", caller.mongoUri(), "MLP_S3_ENDPOINT", caller.s3Endpoint());
      McpClient client = new McpClient(caller.vertx(), new Envelope.Party("test-client", "test"), 30_000);

      try (Node silent = TestNodes.start(dir.resolve("b"), cluster.node(1, "data", shared))) {
        CompletableFuture<Void> received = new CompletableFuture<>();
        result(Nodes.of(silent.vertx()).consume(SERVICE, (Message<Envelope> message) -> received.complete(null)));
        awaitServedBy(caller, 1);
        Future<JsonObject> write = client.send(SERVICE, client.newRequest(SERVER, "thing.create", new JsonObject()));
        received.get(10, TimeUnit.SECONDS);
        long closing = System.nanoTime();
        silent.close();
        McpException failure = failureOf(write);
        assertThat((System.nanoTime() - closing) / 1_000_000).isLessThan(10_000);
        assertThat(failure.code()).isEqualTo(ErrorCode.UNAVAILABLE);
        assertThat(failure.getMessage()).contains("thing.create", "may or may not have been done");
      }

      Node silent = TestNodes.start(dir.resolve("c"), cluster.node(1, "data", shared));
      try (Node answering = TestNodes.start(dir.resolve("d"), cluster.node(2, "data", shared))) {
        CompletableFuture<Void> received = new CompletableFuture<>();
        result(Nodes.of(silent.vertx()).consume(SERVICE, (Message<Envelope> message) -> received.complete(null)));
        awaitServedBy(caller, 1);
        Future<JsonObject> read = client.send(SERVICE, client.newRequest(SERVER, "thing.get", new JsonObject()));
        received.get(10, TimeUnit.SECONDS);
        // the only server when the read went out never answers; one that does comes, and the silent one leaves
        result(Nodes.of(answering.vertx()).consume(SERVICE, (Message<Envelope> message) ->
            message.reply(message.body().resultFrom(SERVER, new JsonObject().put("answered_by", "d")))));
        long closing = System.nanoTime();
        silent.close();
        silent = null;
        JsonObject answer = result(read);
        assertThat(answer.getString("answered_by")).isEqualTo("d");
        assertThat((System.nanoTime() - closing) / 1_000_000).isLessThan(10_000);
      } finally {
        if (silent != null) {
          silent.close();
        }
      }
    }
  }

  private static void awaitServedBy(Node caller, int nodes) {
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
        .until(() -> result(Nodes.of(caller.vertx()).serving(SERVICE)).size(), greaterThanOrEqualTo(nodes));
  }

  private static <T> T result(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static McpException failureOf(Future<?> future) throws Exception {
    try {
      result(future);
    } catch (ExecutionException e) {
      return McpException.wrap(e.getCause());
    }
    throw new AssertionError("the request succeeded");
  }
}
