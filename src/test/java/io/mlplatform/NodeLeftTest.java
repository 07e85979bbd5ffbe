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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a client sees when the node serving its request leaves the cluster before answering: not the request
 * timeout (30 s here), but a retry elsewhere for a read and a 503 naming the doubt for anything else.
 */
@DisplayName("A request whose node leaves before answering")
class NodeLeftTest {
  private static final String MEMBERS = "127.0.0.1:5871,127.0.0.1:5872,127.0.0.1:5873";
  private static final String SERVICE = "test.service";
  private static final Envelope.Party SERVER = new Envelope.Party(SERVICE, "test");

  @TempDir
  Path dir;

  @Test
  @DisplayName("a write fails at once with unavailable (it may or may not have been done); a read is answered by another node")
  void leavesBeforeAnswering() throws Exception {
    try (Node caller = TestNodes.start(dir.resolve("a"), TestNodes.clustered("data", 5871, MEMBERS, Map.of()))) {
      Map<String, String> shared = Map.of("MLP_MONGO_URI", caller.mongoUri(), "MLP_S3_ENDPOINT", caller.s3Endpoint());
      McpClient client = new McpClient(caller.vertx(), new Envelope.Party("test-client", "test"), 30_000);

      try (Node silent = TestNodes.start(dir.resolve("b"), TestNodes.clustered("data", 5872, MEMBERS, shared))) {
        await(Nodes.of(silent.vertx()).consume(SERVICE, (Message<Envelope> message) -> { }));
        awaitServedBy(caller, 1);
        Future<JsonObject> write = client.send(SERVICE, client.newRequest(SERVER, "thing.create", new JsonObject()));
        Thread.sleep(500);
        long closing = System.nanoTime();
        silent.close();
        McpException failure = failureOf(write);
        assertThat((System.nanoTime() - closing) / 1_000_000).isLessThan(10_000);
        assertThat(failure.code()).isEqualTo(ErrorCode.UNAVAILABLE);
        assertThat(failure.getMessage()).contains("thing.create", "may or may not have been done");
      }

      Node silent = TestNodes.start(dir.resolve("c"), TestNodes.clustered("data", 5872, MEMBERS, shared));
      try (Node answering = TestNodes.start(dir.resolve("d"), TestNodes.clustered("data", 5873, MEMBERS, shared))) {
        await(Nodes.of(silent.vertx()).consume(SERVICE, (Message<Envelope> message) -> { }));
        awaitServedBy(caller, 1);
        Future<JsonObject> read = client.send(SERVICE, client.newRequest(SERVER, "thing.get", new JsonObject()));
        Thread.sleep(500);
        // the only server when the read went out never answers; one that does comes, and the silent one leaves
        await(Nodes.of(answering.vertx()).consume(SERVICE, (Message<Envelope> message) ->
            message.reply(message.body().resultFrom(SERVER, new JsonObject().put("answered_by", "d")))));
        long closing = System.nanoTime();
        silent.close();
        silent = null;
        JsonObject answer = await(read);
        assertThat(answer.getString("answered_by")).isEqualTo("d");
        assertThat((System.nanoTime() - closing) / 1_000_000).isLessThan(10_000);
      } finally {
        if (silent != null) {
          silent.close();
        }
      }
    }
  }

  private static void awaitServedBy(Node caller, int nodes) throws Exception {
    long deadline = System.currentTimeMillis() + 10_000;
    while (await(Nodes.of(caller.vertx()).serving(SERVICE)).size() < nodes) {
      assertThat(System.currentTimeMillis()).isLessThan(deadline);
      Thread.sleep(100);
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static McpException failureOf(Future<?> future) throws Exception {
    try {
      await(future);
    } catch (ExecutionException e) {
      return McpException.wrap(e.getCause());
    }
    throw new AssertionError("the request succeeded");
  }
}
