package io.mlplatform.workflow;

import io.mlplatform.mcp.ErrorCode;
import io.mlplatform.mcp.McpException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

@Tag("fast")
@DisplayName("Workflow expressions: \"${ jsonata }\" strings evaluated on the run's input and step outputs")
class ExpressionsTest {
  private static Vertx vertx;

  /** A run's scope as the walker builds it: the run's input and the outputs of the steps that succeeded. */
  private static final JsonObject SCOPE = new JsonObject()
      .put("input", new JsonObject().put("model", "churn").put("min_auc", 0.8).put("regions", new JsonArray()
          .add("eu").add("us")))
      .put("steps", new JsonObject()
          .put("train", new JsonObject().put("execution", "exec-41").put("status", "succeeded")
              .put("result", new JsonObject().put("model", "churn").put("model_version", 3)
                  .put("metrics", new JsonObject().put("auc", 0.91).put("accuracy", 0.875))))
          .put("evaluate", new JsonObject().put("results", new JsonArray()
              .add(new JsonObject().put("model", "churn-a").put("score", 0.95))
              .add(new JsonObject().put("model", "churn-b").put("score", 0.72))
              .add(new JsonObject().put("model", "churn-c").put("score", 0.93)))));

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static Object value(String expression) {
    return Expressions.evaluate(expression, SCOPE, "step 'gate': condition");
  }

  /** The value as the run records it (JSON): a whole number must not read "4.0". */
  private static String json(String expression) {
    return Json.encode(value(expression));
  }

  private static McpException refusal(String expression) {
    McpException e = catchThrowableOfType(McpException.class, () -> value(expression));
    assertThat(e).as("refusal of %s", expression).isNotNull();
    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
    assertThat(e.details().getString("field")).isEqualTo("step 'gate': condition");
    return e;
  }

  @Test
  @DisplayName("a template's expressions are replaced at any depth by their values; other values and strings that"
      + " merely contain \"${\" are kept as they are")
  void resolvesTemplates() throws Exception {
    JsonObject template = new JsonObject()
        .put("name", "${steps.train.result.model}")
        .put("version", "${ steps.train.result.model_version }")
        .put("tags", new JsonObject().put("stage", "candidate").put("auc", "${steps.train.result.metrics.auc}"))
        .put("list", new JsonArray().add("${input.regions[0]}").add("literal").add(5).add((Object) null).add(true))
        .put("text", "costs ${input.model}").put("partial", "${input.model} and more").put("empty", "${}");
    Object resolved = Expressions.resolve(vertx, template, SCOPE, "inputs").await(5, TimeUnit.SECONDS);
    assertThat(resolved).isEqualTo(new JsonObject()
        .put("name", "churn")
        .put("version", 3)
        .put("tags", new JsonObject().put("stage", "candidate").put("auc", 0.91))
        .put("list", new JsonArray().add("eu").add("literal").add(5).add((Object) null).add(true))
        .put("text", "costs ${input.model}").put("partial", "${input.model} and more").put("empty", "${}"));
    assertThat(template.getString("name")).as("the template itself is left alone").isEqualTo("${steps.train.result.model}");
  }

  @Test
  @DisplayName("a template without expressions is answered at once, as it is")
  void templateWithoutExpressions() {
    JsonObject plain = new JsonObject().put("name", "churn").put("nested", new JsonArray().add(new JsonObject()
        .put("x", "$notAnExpression")));
    Future<Object> resolved = Expressions.resolve(vertx, plain, SCOPE, "inputs");
    assertThat(resolved.isComplete()).isTrue();
    assertThat(resolved.result()).isSameAs(plain);
  }

  @Test
  @DisplayName("comparisons, arithmetic, filters and aggregates over step outputs give the values a gate or route needs")
  void evaluatesRealisticExpressions() {
    assertThat(value("${steps.train.result.metrics.auc > input.min_auc}")).isEqualTo(true);
    assertThat(value("steps.train.result.metrics.auc < 0.9")).as("without its ${ }").isEqualTo(false);
    assertThat(value("${steps.train.result.model & ':' & $string(steps.train.result.model_version)}"))
        .isEqualTo("churn:3");
    assertThat(json("${$count(steps.evaluate.results[score > 0.9])}")).isEqualTo("2");
    assertThat(value("${$max(steps.evaluate.results.score)}")).isEqualTo(0.95);
    assertThat(value("${($best := $max(steps.evaluate.results.score); steps.evaluate.results[score = $best].model)}")).isEqualTo("churn-a");
    assertThat(value("${steps.train.result.metrics.auc >= 0.9 ? 'promote' : 'hold'}")).isEqualTo("promote");
    assertThat(value("${steps.train.status = 'succeeded' and $exists(steps.train.execution)}")).isEqualTo(true);
  }

  @Test
  @DisplayName("whole numbers come back as integers (version 3, not 3.0), fractions as fractions")
  void wholeNumbersStayIntegers() {
    assertThat(json("${steps.train.result.model_version + 1}")).isEqualTo("4");
    assertThat(json("${steps.train.result.model_version * 1.0}")).isEqualTo("3");
    assertThat(json("${7 / 2}")).isEqualTo("3.5");
    assertThat(json("${$sum([1, 2, 3])}")).isEqualTo("6");
    Object resolved = Expressions.resolve(new JsonObject().put("v", "${steps.train.result.model_version}"), SCOPE, "x");
    assertThat(((JsonObject) resolved).encode()).isEqualTo("{\"v\":3}");
  }

  @Test
  @DisplayName("a path matching one value gives the value, several give an array, none gives null; objects and arrays"
      + " built by an expression are JSON")
  void pathsAndConstructors() {
    assertThat(value("${steps.evaluate.results[score > 0.94].model}")).isEqualTo("churn-a");
    assertThat(value("${steps.evaluate.results[score > 0.9].model}"))
        .isEqualTo(new JsonArray().add("churn-a").add("churn-c"));
    assertThat(value("${steps.deploy.result.name}")).isNull();
    assertThat(value("${input.regions}")).isEqualTo(new JsonArray().add("eu").add("us"));
    assertThat(value("${{'model': input.model, 'auc': steps.train.result.metrics.auc, 'ok': true}}"))
        .isEqualTo(new JsonObject().put("model", "churn").put("auc", 0.91).put("ok", true));
    assertThat(value("${[steps.train.result.model]}")).isEqualTo(new JsonArray().add("churn"));
  }

  @Test
  @DisplayName("a map task sees its item and index next to the run's input and steps")
  void itemAndIndexInScope() {
    JsonObject scope = SCOPE.copy().put("item", new JsonObject().put("region", "eu").put("rows", 1200)).put("index", 2);
    Object inputs = Expressions.resolve(new JsonObject()
        .put("dataset", "${input.model & '-' & item.region}")
        .put("shard", "${index}")
        .put("large", "${item.rows > 1000}"), scope, "step 'fan': task.inputs");
    assertThat(inputs).isEqualTo(new JsonObject().put("dataset", "churn-eu").put("shard", 2).put("large", true));
  }

  @Test
  @DisplayName("truthiness is JSONata's: false, null, 0, \"\" and empty arrays or objects fail a gate; other values pass")
  void truthiness() {
    for (Object falsy : new Object[]{false, null, 0, 0L, 0.0, "", new JsonArray(), new JsonObject()}) {
      assertThat(Expressions.truthy(falsy)).as("%s", falsy).isFalse();
    }
    for (Object truthy : new Object[]{true, 1, 0.5, "no", new JsonArray().add(0).add(1),
        new JsonObject().put("a", 1)}) {
      assertThat(Expressions.truthy(truthy)).as("%s", truthy).isTrue();
    }
  }

  @Test
  @DisplayName("check finds the steps an expression reads, at any depth of the template, and only real step references")
  void checkFindsReferences() {
    JsonObject template = new JsonObject()
        .put("model", "${steps.train.result.model}")
        .put("nested", new JsonArray().add(new JsonObject().put("n", "${$count(steps.eval_1.results) + steps._prep.n}")))
        .put("plain", "steps.not_an_expression.x")
        .put("other", "${mysteps.x + $steps.y + input.steps}");
    assertThat(Expressions.check(template, "inputs")).containsExactly("train", "eval_1", "_prep");
    assertThat(Expressions.check("literal", "inputs")).isEmpty();
  }

  @Test
  @DisplayName("an expression that does not parse is refused at check, naming the field and the expression")
  void parseErrorsNameTheField() {
    McpException e = catchThrowableOfType(McpException.class,
        () -> Expressions.check(new JsonObject().put("ok", "${1}").put("bad", "${steps.train.result.auc >}"), "inputs"));
    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
    assertThat(e.details().getString("field")).isEqualTo("inputs");
    assertThat(e.getMessage()).startsWith("inputs: ").contains("'steps.train.result.auc >'").contains("does not parse");
    assertThatThrownBy(() -> Expressions.check("${(1 + 2}", "condition")).isInstanceOf(McpException.class)
        .hasMessageStartingWith("condition: ");
  }

  @Test
  @DisplayName("an unknown function or a type error fails the evaluation with an invalid_argument naming where it was")
  void evaluationErrors() {
    assertThat(refusal("${$promote(steps.train)}").getMessage())
        .startsWith("step 'gate': condition: expression '$promote(steps.train)' failed");
    assertThat(refusal("${steps.train.result.model + 1}").getMessage()).contains("failed");
  }

  @Test
  @DisplayName("a failing expression fails the asynchronous resolve with the same invalid_argument")
  void resolveFails() {
    Future<Object> resolved = Expressions.resolve(vertx, new JsonObject().put("x", "${$nope()}"), SCOPE, "output");
    assertThatThrownBy(() -> resolved.await(5, TimeUnit.SECONDS)).isInstanceOf(McpException.class)
        .hasMessageStartingWith("output: expression '$nope()' failed");
  }

  @Test
  @DisplayName("an expression longer than 4,096 characters is refused before it is parsed (its literals parse slowly)")
  void longExpressions() {
    String literal = "${'" + "x".repeat(50_000) + "'}";
    long start = System.nanoTime();
    McpException refused = catchThrowableOfType(McpException.class, () -> Expressions.check(literal, "condition"));
    assertThat(refused).isNotNull();
    assertThat(refused.getMessage()).startsWith("condition: ").contains("at most 4096 characters").hasSizeLessThan(200);
    assertThat(System.nanoTime() - start).as("refused without parsing").isLessThan(TimeUnit.MILLISECONDS.toNanos(100));
    assertThat(Expressions.check("${'" + "x".repeat(3000) + "'}", "condition")).isEmpty();
  }

  @Test
  @DisplayName("hostile expressions are refused, not run: deep nesting, $pad bombs, huge values, runaway recursion")
  void hostileExpressions() {
    // under the length limit, but deep enough to overflow the parser's stack
    String deep = "${" + "(".repeat(1900) + "1" + ")".repeat(1900) + "}";
    McpException nested = catchThrowableOfType(McpException.class, () -> Expressions.check(deep, "condition"));
    assertThat(nested).as("a deeply nested expression is an invalid_argument, not a StackOverflowError").isNotNull();
    assertThat(nested.getMessage()).startsWith("condition: ").contains("nests too deeply");
    assertThat(refusal(deep).getMessage()).contains("nests too deeply");

    assertThat(refusal("${$pad('x', 50000000)}").getMessage()).contains("$pad may build at most 1000000 characters");
    assertThat(json("${$length($pad('x', 1000))}")).as("a reasonable $pad still works").isEqualTo("1000");
    assertThat(refusal("${[1..1500000]}").getMessage()).contains("built a value over 1000000 values and characters");

    // a string doubled thirty times would be a billion characters: stopped at the step that passes the limit
    long doubling = System.nanoTime();
    assertThat(refusal("${$length($reduce([1..30], function($a, $b) { $a & $a }, 'x'))}").getMessage())
        .contains("built a value over 1000000");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - doubling)).isLessThan(1000);
    assertThat(json("${$length($reduce([1..10], function($a, $b) { $a & $a }, 'x'))}")).isEqualTo("1024");

    long start = System.nanoTime();
    assertThat(refusal("${($f := function($n) { 1 + $f($n + 1) }; $f(1))}").getMessage()).contains("failed");
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(1000);
  }
}
