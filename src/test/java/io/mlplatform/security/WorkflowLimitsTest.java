package io.mlplatform.security;

import io.mlplatform.support.Api;
import io.mlplatform.support.FromNode;
import io.mlplatform.support.NodeSettings;
import io.mlplatform.support.SharedNode;
import io.mlplatform.support.Waits;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

@Tag("fast")
@ExtendWith(SharedNode.class)
@NodeSettings("MLP_HTTP_INSTANCES=1")
@DisplayName("Workflows are bounded: expressions cannot hold the hub, definitions have limits")
class WorkflowLimitsTest {
  @FromNode static Api api;

  private static JsonObject gate(String id, String condition) {
    return new JsonObject().put("id", id).put("kind", "gate").put("condition", condition);
  }

  private static JsonObject workflow(String name, JsonArray steps) {
    return new JsonObject().put("name", name).put("steps", steps);
  }

  private static JsonObject awaitEnd(String id) {
    return Waits.runEnded(api, id, Duration.ofSeconds(30));
  }

  @Test
  @DisplayName("$pad building 50 million characters fails the run clearly and the hub keeps answering meanwhile")
  void hugeExpressionFailsTheRun() throws Exception {
    Api.Response created = api.postJson("/api/workflows", workflow("pad-bomb", new JsonArray()
        .add(gate("bomb", "${$length($pad(\"\", 50000000, \"x\")) > 0}"))));
    assertThat(created.status()).as(created.text()).isEqualTo(201);
    long start = System.nanoTime();
    Api.Response started = api.postJson("/api/workflows/pad-bomb/runs", new JsonObject().put("input", new JsonObject()));
    assertThat(started.status()).isEqualTo(202);
    long slowest = 0;
    for (int i = 0; i < 10; i++) {
      long before = System.nanoTime();
      assertThat(api.get("/api/workflows/pad-bomb").status()).isEqualTo(200);
      slowest = Math.max(slowest, (System.nanoTime() - before) / 1_000_000);
      Thread.sleep(50);   // the probes spread over the run's first half second
    }
    JsonObject run = awaitEnd(started.json().getString("id"));
    long tookMillis = (System.nanoTime() - start) / 1_000_000;
    assertThat(run.getString("status")).as(run.encode()).isEqualTo("failed");
    assertThat(run.encode()).contains("$pad may build at most");
    assertThat(run.getInteger("attempts", 1)).isLessThanOrEqualTo(1);
    assertThat(slowest).as("slowest answer while the run evaluates, ms").isLessThan(1000);
    assertThat(tookMillis).as("the run ends within the expression's bound").isLessThan(10_000);

    // endless recursion is stopped too, and the values an expression builds are bounded
    Api.Response looping = api.postJson("/api/workflows", workflow("loop", new JsonArray()
        .add(gate("spin", "${($f := function($n) { $n > 0 ? $f($n + 1) : 0 }; $f(1)) = 0}"))));
    assertThat(looping.status()).isEqualTo(201);
    JsonObject spun = awaitEnd(api.postJson("/api/workflows/loop/runs", new JsonObject()).json().getString("id"));
    assertThat(spun.getString("status")).isEqualTo("failed");
    Api.Response building = api.postJson("/api/workflows", workflow("builder", new JsonArray()
        .add(gate("build", "${$count($map([1..2000000], function($v) { $v }))}"))));
    assertThat(building.status()).isEqualTo(201);
    JsonObject built = awaitEnd(api.postJson("/api/workflows/builder/runs", new JsonObject()).json().getString("id"));
    assertThat(built.getString("status")).as(built.encode()).isIn("failed", "succeeded");
  }

  @Test
  @DisplayName("10,000 steps are refused at once naming the limit; 1,000 in a chain are checked without recursion")
  void definitionLimits() {
    JsonArray many = new JsonArray();
    for (int i = 0; i < 10_000; i++) {
      many.add(gate("s" + i, "${true}").put("next", "s" + ((i + 1) % 10_000)));
    }
    long start = System.nanoTime();
    Api.Response huge = api.postJson("/api/workflows", workflow("huge", many));
    assertThat(huge.status()).isIn(400, 413);
    assertThat(huge.text()).containsAnyOf("at most", "1048576");
    JsonArray chain = new JsonArray();
    for (int i = 0; i < 1000; i++) {
      chain.add(new JsonObject().put("id", "s" + i).put("kind", "gate").put("condition", "${1}"));
    }
    Api.Response accepted = api.postJson("/api/workflows", workflow("chain", chain));
    assertThat(accepted.status()).as(accepted.text()).isEqualTo(201);
    JsonArray tooMany = chain.copy().add(new JsonObject().put("id", "extra").put("kind", "gate").put("condition", "${1}"));
    Api.Response over = api.postJson("/api/workflows", workflow("over", tooMany));
    assertThat(over.status()).isEqualTo(400);
    assertThat(over.errorMessage()).contains("at most 1000 steps");
    JsonArray cycle = chain.copy();
    cycle.getJsonObject(999).put("next", "s0");
    Api.Response cyclic = api.postJson("/api/workflows", workflow("cyclic", cycle));
    assertThat(cyclic.status()).isEqualTo(400);
    assertThat(cyclic.errorMessage()).contains("cycle");
    assertThat((System.nanoTime() - start) / 1_000_000).as("ms for all four").isLessThan(10_000);

    JsonObject nested = gate("leaf", "${true}");
    for (int depth = 0; depth < 10; depth++) {
      nested = new JsonObject().put("id", "p" + depth).put("kind", "parallel")
          .put("branches", new JsonObject().put("a", new JsonArray().add(nested)));
    }
    Api.Response deep = api.postJson("/api/workflows", workflow("deep", new JsonArray().add(nested)));
    assertThat(deep.status()).isEqualTo(400);
    assertThat(deep.errorMessage()).contains("nest more than 8");
  }

  @Test
  @DisplayName("'$' and dotted keys are refused in definitions and run inputs")
  void operatorKeys() {
    Api.Response dollar = api.postJson("/api/workflows", workflow("keys", new JsonArray().add(new JsonObject()
        .put("id", "c").put("kind", "call").put("operation", "model.create")
        .put("inputs", new JsonObject().put("name", "x").put("tags", new JsonObject().put("$where", "1"))))));
    assertThat(dollar.status()).isEqualTo(400);
    assertThat(dollar.errorMessage()).contains("$where");
    Api.Response dotted = api.postJson("/api/workflows", workflow("keys", new JsonArray().add(gate("g", "${true}")))
        .put("output", new JsonObject().put("a.b", 1)));
    assertThat(dotted.status()).isEqualTo(400);
    assertThat(api.postJson("/api/workflows", workflow("keys", new JsonArray().add(gate("g", "${true}")))).status())
        .isEqualTo(201);
    Api.Response input = api.postJson("/api/workflows/keys/runs", new JsonObject().put("input",
        new JsonObject().put("x", new JsonObject().put("$gt", 1))));
    assertThat(input.status()).isEqualTo(400);
    assertThat(input.errorMessage()).contains("$gt");
  }
}
