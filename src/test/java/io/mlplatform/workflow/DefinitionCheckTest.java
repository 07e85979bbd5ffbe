package io.mlplatform.workflow;

import io.mlplatform.mcp.ErrorCode;
import io.mlplatform.mcp.McpException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

@Tag("fast")
@DisplayName("Workflow definition check: a definition is stored only when it can run, each refusal naming the step and field")
class DefinitionCheckTest {
  private static JsonObject workflow(JsonObject... steps) {
    return new JsonObject().put("name", "retrain").put("steps", new JsonArray(java.util.List.of((Object[]) steps)));
  }

  private static JsonObject call(String id, String operation, JsonObject inputs) {
    return new JsonObject().put("id", id).put("kind", "call").put("operation", operation).put("inputs", inputs);
  }

  private static JsonObject gate(String id, String condition) {
    return new JsonObject().put("id", id).put("kind", "gate").put("condition", condition);
  }

  private static JsonObject train() {
    return call("train", "execution.create", new JsonObject().put("type", "train").put("dataset", "${input.dataset}")
        .put("algorithm", "logistic_regression").put("label", "churned").put("model", "churn"));
  }

  /** The refusal of {@code definition}: always an invalid_argument. */
  private static McpException refused(JsonObject definition) {
    McpException e = catchThrowableOfType(McpException.class, () -> DefinitionCheck.check(definition));
    assertThat(e).as("refusal of %s", definition.encode().length() > 300 ? "a large definition" : definition.encode())
        .isNotNull();
    assertThat(e.code()).isEqualTo(ErrorCode.INVALID_ARGUMENT);
    return e;
  }

  /** A refusal about one step's field: details name both, the message starts with them. */
  private static McpException refusedAt(JsonObject definition, String step, String field) {
    McpException e = refused(definition);
    assertThat(e.details().getMap()).as(e.getMessage()).containsEntry("step", step).containsEntry("field", field);
    assertThat(e.getMessage()).startsWith("step '" + step + "': " + field + ": ");
    return e;
  }

  @Test
  @DisplayName("a realistic definition is accepted and stored as name, description, input_schema, steps and output only")
  void acceptsAndNormalises() {
    JsonObject definition = workflow(
        train(),
        gate("good_enough", "${steps.train.result.metrics.auc > 0.8}").put("reason", "${'auc ' & $string(steps.train.result.metrics.auc)}"),
        new JsonObject().put("id", "choose").put("kind", "route").put("on", "${input.target}")
            .put("branches", new JsonObject().put("prod", "promote").put("staging", "stage")).put("default", "stage"),
        call("stage", "model.alias.set", new JsonObject().put("name", "churn").put("alias", "staging")
            .put("version", "${steps.train.result.model_version}")).put("end", true),
        call("promote", "model.alias.set", new JsonObject().put("name", "churn").put("alias", "prod")
            .put("version", "${steps.train.result.model_version}")),
        new JsonObject().put("id", "fan").put("kind", "parallel").put("aggregate", "merge").put("branches", new JsonObject()
            .put("eu", new JsonArray().add(call("eu_get", "model.get", new JsonObject().put("name", "churn"))))
            .put("us", new JsonArray().add(call("us_get", "model.get", new JsonObject().put("name", "churn"))))),
        new JsonObject().put("id", "score").put("kind", "map").put("items", "${input.regions}").put("concurrency", 4)
            .put("task", new JsonObject().put("deployment", "${'churn-' & item}").put("inputs", new JsonObject()
                .put("inputs", new JsonArray().add("${index}"))))
    ).put("description", "train, check, promote").put("owner", "dropped")
        .put("input_schema", new JsonObject().put("type", "object").put("required", new JsonArray().add("dataset")))
        .put("output", new JsonObject().put("version", "${steps.promote.version}").put("eu", "${steps.eu_get.name}"));

    JsonObject stored = DefinitionCheck.check(definition);
    assertThat(stored.fieldNames()).containsExactlyInAnyOrder("name", "description", "input_schema", "steps", "output");
    assertThat(stored.getJsonArray("steps")).isEqualTo(definition.getJsonArray("steps"));
    assertThat(stored.getValue("output")).isEqualTo(definition.getValue("output"));
  }

  @Test
  @DisplayName("the example workflows installed at start-up pass the check")
  void examplesPass() {
    assertThat(Examples.all()).hasSize(3).allSatisfy(example ->
        assertThatCode(() -> DefinitionCheck.check(((JsonObject) example).copy())).doesNotThrowAnyException());
  }

  @Test
  @DisplayName("a definition without a valid name or without a non-empty list of step objects is refused")
  void definitionShape() {
    assertThat(refused(workflow(gate("g", "${true}")).put("name", "no spaces")).details().getString("field"))
        .isEqualTo("name");
    assertThat(refused(new JsonObject().put("name", "w")).details().getString("field")).isEqualTo("steps");
    assertThat(refused(new JsonObject().put("name", "w").put("steps", new JsonArray())).details().getString("field"))
        .isEqualTo("steps");
    assertThat(refused(new JsonObject().put("name", "w").put("steps", new JsonObject())).details().getString("field"))
        .isEqualTo("steps");
    McpException notObject = refused(new JsonObject().put("name", "w").put("steps", new JsonArray()
        .add(gate("g", "${true}")).add("train")));
    assertThat(notObject.details().getString("field")).isEqualTo("steps[1]");
  }

  @Test
  @DisplayName("a step id must be a name an expression can read (steps.<id>), and unique in the whole definition")
  void stepIds() {
    for (Object bad : new Object[]{null, "", "1st", "with-dash", "has space", "x".repeat(65), 7}) {
      JsonObject step = gate("g", "${true}");
      step.put("id", bad);
      McpException e = refused(workflow(gate("ok", "${true}"), step));
      assertThat(e.details().getString("field")).as("id %s", bad).isEqualTo("steps[1].id");
    }
    assertThatCode(() -> DefinitionCheck.check(workflow(gate("_a1", "${true}"), gate("x".repeat(64), "${true}"))))
        .doesNotThrowAnyException();

    refusedAt(workflow(gate("check", "${true}"), gate("check", "${false}")), "check", "id");
    JsonObject inBranch = new JsonObject().put("id", "fan").put("kind", "parallel").put("branches",
        new JsonObject().put("a", new JsonArray().add(gate("check", "${true}"))));
    assertThat(refusedAt(workflow(gate("check", "${true}"), inBranch), "check", "id").getMessage())
        .contains("used by two steps");
  }

  @Test
  @DisplayName("an unknown step kind is refused, listing the kinds there are")
  void unknownKind() {
    JsonObject step = gate("loop", "${true}").put("kind", "while");
    assertThat(refusedAt(workflow(step), "loop", "kind").getMessage()).contains("'while'")
        .contains("[call, gate, map, optimize, parallel, route]");
    assertThat(refusedAt(workflow(gate("nokind", "${true}").put("kind", (String) null)), "nokind", "kind")).isNotNull();
  }

  @Test
  @DisplayName("a jump must go to a step of the same sequence, and no jump may close a cycle")
  void jumps() {
    assertThat(refusedAt(workflow(gate("a", "${true}").put("next", "missing"), gate("b", "${true}")), "a", "next")
        .getMessage()).contains("unknown step 'missing'");
    refusedAt(workflow(gate("a", "${true}").put("next", 3)), "a", "next");
    JsonObject fan = new JsonObject().put("id", "fan").put("kind", "parallel").put("branches", new JsonObject()
        .put("a", new JsonArray().add(gate("inner", "${true}").put("next", "outer"))));
    assertThat(refusedAt(workflow(fan, gate("outer", "${true}")), "inner", "next").getMessage())
        .contains("not in the same sequence");

    McpException cycle = refused(workflow(gate("a", "${true}"), gate("b", "${true}"), gate("c", "${true}").put("next", "a")));
    assertThat(cycle.getMessage()).contains("cycle").contains("a → b → c → a");
    assertThat(cycle.details().getString("field")).isEqualTo("next");

    JsonObject route = new JsonObject().put("id", "again").put("kind", "route").put("on", "${input.retry}")
        .put("branches", new JsonObject().put("yes", "train").put("no", "done"));
    assertThat(refused(workflow(train(), route, gate("done", "${true}"))).getMessage()).contains("cycle");
    // a forward jump over a step, and a step that ends the sequence before a jump target, are fine
    assertThatCode(() -> DefinitionCheck.check(workflow(gate("a", "${true}").put("next", "c"), gate("b", "${true}")
        .put("end", true), gate("c", "${true}")))).doesNotThrowAnyException();
    refusedAt(workflow(gate("a", "${true}").put("end", "yes")), "a", "end");
  }

  @Test
  @DisplayName("an expression reading a step that does not exist is refused naming the step and field that read it")
  void unknownStepReferences() {
    JsonObject deploy = call("deploy", "deployment.create", new JsonObject().put("name", "churn")
        .put("version", "${steps.trian.result.model_version}"));
    assertThat(refusedAt(workflow(train(), deploy), "deploy", "inputs").getMessage())
        .contains("unknown step 'trian'").contains("train");
    McpException output = refused(workflow(train()).put("output", "${steps.evaluate.result}"));
    assertThat(output.details().getString("field")).isEqualTo("output");
    assertThat(output.getMessage()).contains("'evaluate'");
    // a step may read a step that comes later in the list (e.g. the output of a branch), as long as it exists
    assertThatCode(() -> DefinitionCheck.check(workflow(train(), gate("g", "${$exists(steps.later)}"),
        gate("later", "${true}")))).doesNotThrowAnyException();
  }

  @Test
  @DisplayName("each step kind's own mistakes are refused naming the step and the field")
  void stepKindMistakes() {
    refusedAt(workflow(call("c", "model.drop_all", new JsonObject())), "c", "operation");
    refusedAt(workflow(call("c", "model.get", new JsonObject()).put("deployment", "chat")), "c", "operation");
    refusedAt(workflow(new JsonObject().put("id", "c").put("kind", "call").put("operation", "model.get")
        .put("inputs", "name=churn")), "c", "inputs");
    refusedAt(workflow(call("c", "model.get", new JsonObject()).put("wait", "yes")), "c", "wait");
    refusedAt(workflow(gate("g", "steps.train.ok")), "g", "condition");
    refusedAt(workflow(new JsonObject().put("id", "r").put("kind", "route").put("on", "${input.x}")
        .put("branches", new JsonObject().put("a", "nowhere"))), "r", "branches.a");
    refusedAt(workflow(new JsonObject().put("id", "p").put("kind", "parallel").put("branches", new JsonObject()
        .put("a", new JsonArray()))), "p", "branches.a");
    refusedAt(workflow(new JsonObject().put("id", "m").put("kind", "map").put("items", "${input.xs}").put("concurrency", 65)
        .put("task", new JsonObject().put("operation", "model.get"))), "m", "concurrency");
    refusedAt(workflow(new JsonObject().put("id", "m").put("kind", "map").put("items", "${input.xs}")
        .put("task", new JsonObject().put("operation", "model.nope"))), "m", "task.operation");
    refusedAt(workflow(new JsonObject().put("id", "o").put("kind", "optimize").put("train", new JsonObject())), "o",
        "train.dataset");
  }

  @Test
  @DisplayName("an expression that does not parse, or nests too deeply, is refused naming the step and field")
  void badExpressions() {
    McpException e = refusedAt(workflow(call("c", "model.get", new JsonObject().put("name", "${input.model &}"))),
        "c", "inputs");
    assertThat(e.getMessage()).contains("'input.model &'").contains("does not parse");
    String deep = "${" + "[".repeat(1900) + "1" + "]".repeat(1900) + "}";
    assertThat(refusedAt(workflow(gate("g", deep)), "g", "condition").getMessage()).contains("nests too deeply");
    McpException unknownFunction = catchThrowableOfType(McpException.class, () ->
        DefinitionCheck.check(workflow(gate("g", "${$promote(1)}"))));
    assertThat(unknownFunction).as("an unknown function parses: it fails when the run evaluates it").isNull();
  }

  @Test
  @DisplayName("definitions past the limits are refused naming the limit: steps, nesting, size, operator keys")
  void limits() {
    JsonArray chain = new JsonArray();
    for (int i = 0; i < 1000; i++) {
      chain.add(gate("s" + i, "${true}"));
    }
    assertThatCode(() -> DefinitionCheck.check(new JsonObject().put("name", "long").put("steps", chain.copy())))
        .as("1,000 steps in a chain are checked without recursion").doesNotThrowAnyException();
    chain.add(gate("extra", "${true}"));
    assertThat(refused(new JsonObject().put("name", "long").put("steps", chain)).getMessage())
        .contains("at most 1000 steps");

    JsonObject nested = gate("leaf", "${true}");
    for (int depth = 0; depth < 7; depth++) {
      nested = new JsonObject().put("id", "p" + depth).put("kind", "parallel")
          .put("branches", new JsonObject().put("a", new JsonArray().add(nested)));
    }
    JsonObject eightDeep = nested;   // the top sequence and seven levels of branches
    assertThatCode(() -> DefinitionCheck.check(workflow(eightDeep.copy()))).doesNotThrowAnyException();
    JsonObject nineDeep = new JsonObject().put("id", "p7").put("kind", "parallel")
        .put("branches", new JsonObject().put("a", new JsonArray().add(eightDeep)));
    assertThat(refusedAt(workflow(nineDeep), "p0", "branches").getMessage()).contains("nest more than 8");

    JsonObject big = workflow(call("c", "model.create", new JsonObject().put("name", "m")
        .put("description", "x".repeat(300 * 1024))));
    assertThat(refused(big).getMessage()).contains("at most " + 256 * 1024);

    McpException dollar = refused(workflow(call("c", "model.update", new JsonObject().put("name", "m")
        .put("tags", new JsonObject().put("$where", "1")))));
    assertThat(dollar.getMessage()).contains("$where");
    assertThat(refused(workflow(gate("g", "${true}")).put("output", new JsonObject().put("a.b", 1)))
        .details().getString("field")).startsWith("output");
  }

  @Test
  @DisplayName("an input_schema is checked when the workflow is stored, and a run's input is checked against it")
  void inputSchema() {
    JsonObject schema = new JsonObject().put("type", "object").put("required", new JsonArray().add("dataset"))
        .put("properties", new JsonObject().put("dataset", new JsonObject().put("type", "string"))
            .put("rows", new JsonObject().put("type", "integer").put("minimum", 1)));
    assertThatCode(() -> DefinitionCheck.check(workflow(gate("g", "${true}")).put("input_schema", schema)))
        .doesNotThrowAnyException();
    JsonObject typo = schema.copy();
    typo.getJsonObject("properties").getJsonObject("rows").put("type", "int");
    McpException e = refused(workflow(gate("g", "${true}")).put("input_schema", typo));
    assertThat(e.details().getString("field")).isEqualTo("input_schema");
    assertThat(e.getMessage()).contains("'int' is not a JSON type");

    assertThatCode(() -> DefinitionCheck.checkInput(schema, new JsonObject().put("dataset", "churn").put("rows", 5)))
        .doesNotThrowAnyException();
    assertThatCode(() -> DefinitionCheck.checkInput(null, new JsonObject().put("anything", 1)))
        .as("no schema, any input").doesNotThrowAnyException();
    McpException missing = catchThrowableOfType(McpException.class,
        () -> DefinitionCheck.checkInput(schema, new JsonObject().put("rows", 5)));
    assertThat(missing.details().getString("field")).isEqualTo("input");
    assertThat(missing.getMessage()).contains("input_schema").contains("dataset").doesNotContain("#");
    McpException wrongType = catchThrowableOfType(McpException.class,
        () -> DefinitionCheck.checkInput(schema, new JsonObject().put("dataset", "churn").put("rows", 0)));
    assertThat(wrongType.getMessage()).as("the message points at the field").contains("input/rows: 0 is less than 1")
        .doesNotContain("#");
  }
}
