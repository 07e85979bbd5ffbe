package io.mlplatform.workflow;

import io.mlplatform.mcp.ErrorCode;
import io.mlplatform.mcp.McpException;
import io.mlplatform.mcp.Payload;
import io.mlplatform.workflow.steps.CallStep;
import io.mlplatform.workflow.steps.Check;
import io.mlplatform.workflow.steps.GateStep;
import io.mlplatform.workflow.steps.MapStep;
import io.mlplatform.workflow.steps.OptimizeStep;
import io.mlplatform.workflow.steps.ParallelStep;
import io.mlplatform.workflow.steps.RouteStep;
import io.mlplatform.workflow.steps.StepKind;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks a workflow definition before it is stored: every step has a unique id and a known kind, every jump and every
 * expression's {@code steps.<id>} names a step that exists, no sequence has a cycle, every operation is one a step may
 * call and every expression parses. Each refusal is an invalid_argument naming the step ({@code details.step}).
 */
public final class DefinitionCheck {
  /** The step kinds, one per agent pattern. */
  public static final Map<String, StepKind> KINDS = Map.of(
      "call", new CallStep(), "gate", new GateStep(), "route", new RouteStep(), "parallel", new ParallelStep(),
      "map", new MapStep(), "optimize", new OptimizeStep());
  /** Step ids are JSONata names, so that {@code steps.<id>} reads them. */
  private static final Pattern STEP_ID = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");
  /** Limits of a definition: steps in all, depth of nested sequences (branches), encoded size. */
  static final int MAX_STEPS = 1000;
  static final int MAX_NESTING = 8;
  static final int MAX_BYTES = 256 * 1024;

  private final Map<String, JsonObject> steps = new LinkedHashMap<>();
  /** step id → the step ids its expressions refer to (with the field they are in). */
  private final List<String[]> references = new ArrayList<>();
  private int depth;

  private DefinitionCheck() {
  }

  /** The definition as it is stored: {name, description, input_schema, steps, output}. */
  public static JsonObject check(JsonObject definition) {
    Payload p = new Payload(definition);
    JsonObject checked = new JsonObject().put("name", p.name("name"));
    String description = p.optionalString("description");
    if (description != null) {
      checked.put("description", description);
    }
    JsonObject schema = p.optionalObject("input_schema");
    if (schema != null) {
      inputValidator(schema);
      checked.put("input_schema", schema);
    }
    Object steps = definition.getValue("steps");
    if (!(steps instanceof JsonArray list) || list.isEmpty()) {
      throw McpException.invalidField("steps", "must be a non-empty array of steps");
    }
    int bytes = definition.encode().length();
    if (bytes > MAX_BYTES) {
      throw McpException.invalidField("steps", "the definition is " + bytes + " bytes: at most " + MAX_BYTES);
    }
    Payload.checkUserJson("steps", list);
    Payload.checkUserJson("output", definition.getValue("output"));
    DefinitionCheck check = new DefinitionCheck();
    check.sequence(list, null);
    Object output = definition.getValue("output");
    if (output != null) {
      for (String target : Expressions.check(output, "output")) {
        if (!check.steps.containsKey(target)) {
          throw McpException.invalidField("output", "refers to unknown step '" + target + "'");
        }
      }
      checked.put("output", output);
    }
    for (String[] reference : check.references) {
      if (!check.steps.containsKey(reference[2])) {
        throw invalid(reference[0], reference[1], "refers to unknown step '" + reference[2] + "' (steps: "
            + check.steps.keySet() + ")");
      }
    }
    return checked.put("steps", list);
  }

  private static final Set<String> JSON_TYPES = Set.of("null", "boolean", "object", "array", "number", "string",
      "integer");

  /** The validator of a run's input; a schema it cannot use is an invalid_argument on input_schema. */
  public static Validator inputValidator(JsonObject schema) {
    checkTypes(schema);
    try {
      Validator validator = Validator.create(JsonSchema.of(schema),
          new JsonSchemaOptions().setDraft(Draft.DRAFT202012).setOutputFormat(OutputFormat.Basic)
              .setBaseUri("https://mlplatform.io/workflows/"));
      validator.validate(new JsonObject());
      return validator;
    } catch (RuntimeException e) {
      throw McpException.invalidField("input_schema", "is not a usable JSON schema: " + e.getMessage());
    }
  }

  /** Every "type" keyword names JSON types (the validator would take {"type": "nope"} and match nothing). */
  private static void checkTypes(JsonObject schema) {
    java.util.ArrayDeque<Object> pending = new java.util.ArrayDeque<>(List.of(schema));
    while (!pending.isEmpty()) {
      Object next = pending.pop();
      if (next instanceof JsonArray array) {
        array.forEach(item -> pending.push(item == null ? "" : item));
      } else if (next instanceof JsonObject object) {
        object.forEach(entry -> {
          Object value = entry.getValue();
          boolean typeNames = "type".equals(entry.getKey()) && (value instanceof String || value instanceof JsonArray);
          if (typeNames) {
            List<Object> names = value instanceof JsonArray list ? list.getList() : List.of(value);
            for (Object name : names) {
              if (!JSON_TYPES.contains(name)) {
                throw McpException.invalidField("input_schema", "type '" + name + "' is not a JSON type "
                    + new java.util.TreeSet<>(JSON_TYPES));
              }
            }
          } else if (value != null) {
            pending.push(value);
          }
        });
      }
    }
  }

  /** Checks a run's input against the workflow's declared schema: invalid_argument naming what does not fit. */
  public static void checkInput(JsonObject schema, JsonObject input) {
    if (schema == null) {
      return;
    }
    OutputUnit result = inputValidator(schema).validate(input);
    if (!Boolean.TRUE.equals(result.getValid())) {
      List<String> problems = new ArrayList<>();
      if (result.getErrors() != null) {
        // the validator's locations are URI fragments ("#/rows"): the message reads "input/rows"
        result.getErrors().forEach(error -> problems.add("input" + error.getInstanceLocation().replaceFirst("^#", "")
            + ": " + error.getError()));
      }
      throw new McpException(ErrorCode.INVALID_ARGUMENT, "the input does not fit the workflow's input_schema: "
          + (problems.isEmpty() ? result.getError() : String.join("; ", problems)), new JsonObject().put("field", "input"));
    }
  }

  private static McpException invalid(String step, String field, String message) {
    return new McpException(ErrorCode.INVALID_ARGUMENT, "step '" + step + "': " + field + ": " + message,
        new JsonObject().put("step", step).put("field", field));
  }

  /** Checks one sequence: its steps, their jumps (to steps of the same sequence) and that no jump makes a cycle. */
  private void sequence(JsonArray list, String parent) {
    if (++depth > MAX_NESTING) {
      throw invalid(parent, "branches", "sequences nest more than " + MAX_NESTING + " deep");
    }
    if (steps.size() + list.size() > MAX_STEPS) {
      throw McpException.invalidField("steps", "a workflow has at most " + MAX_STEPS + " steps (with its branches)");
    }
    List<String> ids = new ArrayList<>();
    List<String[]> jumps = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      if (!(list.getValue(i) instanceof JsonObject step)) {
        throw McpException.invalidField(parent == null ? "steps[" + i + "]" : "step '" + parent + "'",
            "each step must be a JSON object");
      }
      Object id = step.getValue("id");
      if (!(id instanceof String name) || !STEP_ID.matcher(name).matches()) {
        throw McpException.invalidField("steps[" + i + "].id", "must be 1 to 64 letters, digits or '_', not starting"
            + " with a digit (got " + id + ")");
      }
      if (steps.put(name, step) != null) {
        throw invalid(name, "id", "is used by two steps");
      }
      ids.add(name);
    }
    for (int i = 0; i < list.size(); i++) {
      JsonObject step = list.getJsonObject(i);
      String id = step.getString("id");
      Object kindName = step.getValue("kind");
      StepKind kind = kindName instanceof String k ? KINDS.get(k) : null;
      if (kind == null) {
        throw invalid(id, "kind", "unknown kind '" + kindName + "' (kinds: " + new java.util.TreeSet<>(KINDS.keySet()) + ")");
      }
      Object next = step.getValue("next");
      if (next != null) {
        if (!(next instanceof String target)) {
          throw invalid(id, "next", "must be a step id");
        }
        jumps.add(new String[]{id, "next", target});
      }
      if (step.containsKey("end") && !(step.getValue("end") instanceof Boolean)) {
        throw invalid(id, "end", "must be true or false");
      }
      kind.check(step, new StepCheck(id, jumps));
    }
    Set<String> here = new HashSet<>(ids);
    for (String[] jump : jumps) {
      if (!here.contains(jump[2])) {
        throw invalid(jump[0], jump[1], steps.containsKey(jump[2])
            ? "'" + jump[2] + "' is not in the same sequence (a jump stays within its branch)"
            : "refers to unknown step '" + jump[2] + "' (steps: " + ids + ")");
      }
    }
    checkNoCycle(list, ids, jumps);
    depth--;
  }

  /** Each step's successors: its jumps, else the next step in the list (unless it ends the sequence). */
  private static void checkNoCycle(JsonArray list, List<String> ids, List<String[]> jumps) {
    Map<String, List<String>> jumpsFrom = new HashMap<>();
    jumps.forEach(j -> jumpsFrom.computeIfAbsent(j[0], k -> new ArrayList<>()).add(j[2]));
    Map<String, List<String>> successors = new HashMap<>();
    for (int i = 0; i < ids.size(); i++) {
      String id = ids.get(i);
      JsonObject step = list.getJsonObject(i);
      List<String> out = new ArrayList<>(jumpsFrom.getOrDefault(id, List.of()));
      boolean jumpsAway = step.containsKey("next") || "route".equals(step.getString("kind"));
      if (out.isEmpty() && !jumpsAway && !step.getBoolean("end", false) && i + 1 < ids.size()) {
        out.add(ids.get(i + 1));
      }
      successors.put(id, out);
    }
    Map<String, Integer> state = new HashMap<>();
    for (String id : ids) {
      List<String> cycle = cycleFrom(id, successors, state);
      if (cycle != null) {
        throw invalid(cycle.get(cycle.size() - 1), "next", "the steps form a cycle: " + String.join(" → ", cycle));
      }
    }
  }

  /**
   * Depth-first search with an explicit stack (a long chain of steps does not overflow the thread's), linear in steps
   * and jumps; state 1 = on the current path, 2 = done. The cycle's path, or null.
   */
  private static List<String> cycleFrom(String start, Map<String, List<String>> successors, Map<String, Integer> state) {
    if (state.containsKey(start)) {
      return null;
    }
    List<String> path = new ArrayList<>();
    java.util.ArrayDeque<java.util.Iterator<String>> pending = new java.util.ArrayDeque<>();
    state.put(start, 1);
    path.add(start);
    pending.push(successors.getOrDefault(start, List.of()).iterator());
    while (!pending.isEmpty()) {
      java.util.Iterator<String> next = pending.peek();
      if (!next.hasNext()) {
        pending.pop();
        state.put(path.remove(path.size() - 1), 2);
        continue;
      }
      String id = next.next();
      Integer seen = state.get(id);
      if (seen != null) {
        if (seen == 1) {
          path.add(id);
          return path;
        }
        continue;
      }
      state.put(id, 1);
      path.add(id);
      pending.push(successors.getOrDefault(id, List.of()).iterator());
    }
    return null;
  }

  /** The check one step kind sees: its failures name the step. */
  private final class StepCheck implements Check {
    private final String id;
    private final List<String[]> jumps;

    StepCheck(String id, List<String[]> jumps) {
      this.id = id;
      this.jumps = jumps;
    }

    @Override
    public McpException invalid(String field, String message) {
      return DefinitionCheck.invalid(id, field, message);
    }

    @Override
    public void expressions(Object template, String field) {
      Set<String> targets;
      try {
        targets = Expressions.check(template, field);
      } catch (McpException e) {
        throw invalid(field, e.getMessage().substring(field.length() + 2));
      }
      targets.forEach(target -> references.add(new String[]{id, field, target}));
    }

    @Override
    public void operation(String operation, String field) {
      if (!Operations.CALLABLE.contains(operation)) {
        throw invalid(field, "unknown operation '" + operation + "' (operations: " + Operations.CALLABLE + ")");
      }
    }

    @Override
    public void sequence(JsonArray list, String field) {
      DefinitionCheck.this.sequence(list, id);
    }

    @Override
    public void target(String stepId, String field) {
      jumps.add(new String[]{id, field, stepId});
    }
  }
}
