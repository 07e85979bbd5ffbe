package io.mlplatform;

import io.mlplatform.support.Api;
import io.mlplatform.support.NodeProcess;
import io.mlplatform.support.TestModels;
import io.mlplatform.support.TestNodes;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static io.mlplatform.support.Waits.matching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three nodes, two of them JVMs of their own, under a steady load of predictions and registry reads through the
 * first one's gateway: one of the others is frozen (SIGSTOP) and thawed, then the other is killed (SIGKILL).
 */
@Tag("slow")
@DisplayName("Failover: a node frozen or killed under load")
class FailoverTest {
  private static final int CLIENTS = 6;
  /** The replicas' attempt deadline (the default of an in-process model). */
  private static final long ATTEMPT_MILLIS = 2000;

  @TempDir
  Path dir;

  @Test
  @DisplayName("no request fails and none waits past the attempt deadline + 1 s; the frozen node rejoins one cluster and says so in /ready")
  void frozenThenKilled() throws Exception {
    Map<String, String> expectThree = Map.of("MLP_CLUSTER_EXPECTED", "3");
    TestNodes.Cluster cluster = TestNodes.cluster(3);
    try (Node front = TestNodes.start(dir.resolve("a"), cluster.node(0, "gateway,hub,model,data,execution",
        expectThree))) {
      Map<String, String> shared = new HashMap<>(expectThree);
      shared.put("MLP_MONGO_URI", front.mongoUri());
      shared.put("MLP_S3_ENDPOINT", front.s3Endpoint());
      try (NodeProcess reader = NodeProcess.start(dir.resolve("b"), cluster.node(1, "hub,model,execution", shared));
           NodeProcess frozen = NodeProcess.start(dir.resolve("c"), cluster.node(2, "gateway,execution", shared))) {
        Api api = new Api(front.httpPort());
        api.postJson("/api/models", new JsonObject().put("name", "clf"));
        api.upload("/api/models/clf/versions", Map.of("format", "onnx"), "m.onnx", TestModels.onnxClassifier(dir));
        assertThat(api.postJson("/api/deployments", new JsonObject().put("name", "spread").put("model", "clf")
            .put("replicas", 3)).status()).isEqualTo(201);
        awaitReplicasOn(api, Set.of(front.nodeId(), reader.nodeId(), frozen.nodeId()));
        assertThat(ready(new Api(frozen.httpPort())).getInteger("members")).isEqualTo(3);

        Load load = new Load(api);
        load.start();
        Thread.sleep(2000);   // the load runs on a whole cluster first

        frozen.pause();
        Thread.sleep(12_000);   // past Hazelcast's 5 s without a heartbeat: the others drop it
        frozen.resume();
        long resumed = System.nanoTime();
        // right after SIGCONT the thawed node still believes in the cluster it was dropped from; it finds out, stands
        // alone (not ready: 1 member of the 3 expected), and merges back into the others' cluster
        List<String> seen = new ArrayList<>();
        awaitAllSeeThree(List.of(api, new Api(frozen.httpPort())), seen, Duration.ofSeconds(40));
        double rejoinSeconds = (System.nanoTime() - resumed) / 1e9;
        Load.Phase paused = load.phase();

        reader.kill();
        Thread.sleep(8000);   // the load runs on while the others find the killed node gone
        Load.Phase killed = load.phase();
        load.stop();

        System.out.printf("failover: frozen 12 s: %d requests, %d failed, longest %d ms; one cluster again %.1f s"
                + " after SIGCONT (readiness seen meanwhile: %s); killed: %d requests, %d failed, longest %d ms%n",
            paused.requests(), paused.failures().size(), paused.longestMillis(), rejoinSeconds, seen,
            killed.requests(), killed.failures().size(), killed.longestMillis());
        System.out.println("failover: slower than the attempt deadline: frozen " + paused.slow() + ", killed " + killed.slow());
        assertThat(paused.failures()).isEmpty();
        assertThat(killed.failures()).isEmpty();
        assertThat(paused.longestMillis()).isLessThan(ATTEMPT_MILLIS + 1000);
        assertThat(killed.longestMillis()).isLessThan(ATTEMPT_MILLIS + 1000);
        assertThat(paused.requests()).isGreaterThan(100);
        assertThat(killed.requests()).isGreaterThan(100);
        assertThat(rejoinSeconds).isLessThan(30);
      }
    }
  }

  /** Clients in a loop on keep-alive connections, each alternating a prediction and a registry read. */
  private static final class Load {
    private final Api api;
    private final AtomicBoolean going = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong longest = new AtomicLong();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<String> slow = new ConcurrentLinkedQueue<>();

    record Phase(long requests, long longestMillis, List<String> failures, List<String> slow) {
    }

    Load(Api api) {
      this.api = api;
    }

    void start() {
      JsonObject row = new JsonObject().put("inputs", new JsonArray().add(new JsonArray().add(1).add(2).add(3).add(4)));
      for (int i = 0; i < CLIENTS; i++) {
        Thread thread = new Thread(() -> {
          for (long n = 0; going.get(); n++) {
            long start = System.nanoTime();
            String failure;
            try {
              Api.Response response = n % 2 == 0 ? api.postJson("/api/deployments/spread/predict", row)
                  : api.get("/api/models/clf");
              failure = response.status() == 200 ? null : response.status() + " " + response.text();
            } catch (RuntimeException e) {
              failure = e.toString();
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            requests.incrementAndGet();
            longest.accumulateAndGet(millis, Math::max);
            if (failure != null) {
              failures.add(failure + " after " + millis + " ms");
            }
            if (millis > ATTEMPT_MILLIS) {
              slow.add((n % 2 == 0 ? "predict " : "read ") + millis + " ms");
            }
          }
        }, "load-" + i);
        threads.add(thread);
        thread.start();
      }
    }

    /** What happened since the last phase. */
    Phase phase() {
      List<String> failed = new ArrayList<>();
      for (String failure = failures.poll(); failure != null; failure = failures.poll()) {
        failed.add(failure);
      }
      List<String> slowOnes = new ArrayList<>(slow);
      slow.clear();
      return new Phase(requests.getAndSet(0), longest.getAndSet(0), failed, slowOnes);
    }

    void stop() throws InterruptedException {
      going.set(false);
      for (Thread thread : threads) {
        thread.join(30_000);
      }
    }
  }

  private static JsonObject ready(Api api) {
    return api.get("/ready").json();
  }

  /** Until every node answers /ready with 200 and 3 members; {@code seen} gets each change of what they answered. */
  private static void awaitAllSeeThree(List<Api> nodes, List<String> seen, Duration bound) {
    await().atMost(bound).pollInterval(Duration.ofMillis(100)).until(() -> {
      List<String> answers = new ArrayList<>();
      for (Api node : nodes) {
        Api.Response response = node.get("/ready");
        answers.add(response.status() + ":" + response.json().getInteger("members"));
      }
      String now = String.join(" ", answers);
      if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(now)) {
        seen.add(now);
      }
      return answers;
    }, matching("one cluster of 3 again on every node", answers -> answers.stream().allMatch("200:3"::equals)));
  }

  private static void awaitReplicasOn(Api api, Set<String> nodes) {
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .until(() -> api.get("/api/deployments/spread").json(), matching("replicas ready on " + nodes, deployment -> {
          Set<String> ready = new HashSet<>();
          for (Object r : deployment.getJsonArray("replica_status", new JsonArray())) {
            JsonObject replica = (JsonObject) r;
            if ("ready".equals(replica.getString("status"))) {
              ready.add(replica.getString("node"));
            }
          }
          return ready.equals(nodes);
        }));
  }
}
