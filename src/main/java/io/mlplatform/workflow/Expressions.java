package io.mlplatform.workflow;

import com.dashjoin.jsonata.JException;
import com.dashjoin.jsonata.Jsonata;
import com.dashjoin.jsonata.Utils;
import io.mlplatform.mcp.McpException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * JSONata expressions in workflow definitions: a string value of the form {@code "${ expression }"} is evaluated
 * against the run's scope {@code {input, steps: {id: output}, item, index}}; every other value is kept as it is.
 */
public final class Expressions {
  private static final Pattern STEP_REFERENCE = Pattern.compile("(?<![A-Za-z0-9_$])steps\\.([A-Za-z_][A-Za-z0-9_]*)");
  private static final int CACHE_LIMIT = 10_000;
  /** A runaway expression (e.g. endless tail recursion) is stopped between two of its evaluation steps. */
  private static final long TIMEOUT_MILLIS = 1000;
  /** The longest a run waits for an expression, even one busy in a single built-in function. */
  private static final long HARD_TIMEOUT_MILLIS = 3000;
  /** The longest string {@code $pad} builds, and the most values and characters a result may hold. */
  static final int MAX_BUILT = 1_000_000;
  /** Expressions run on these worker threads, never on an event loop: a heavy one holds a worker, not the hub. */
  private static final Map<Vertx, WorkerExecutor> WORKERS = new WeakHashMap<>();
  private static final int MAX_DEPTH = 200;
  /** The longest expression parsed: a workflow's expressions are a line or two; 10 KB of literal took 0.2 s to parse. */
  static final int MAX_EXPRESSION_CHARS = 4096;
  /** Parsed expressions are thread-safe and reused. */
  private static final Map<String, Jsonata> PARSED = new ConcurrentHashMap<>();

  private Expressions() {
  }

  public static boolean isExpression(Object value) {
    return value instanceof String text && text.startsWith("${") && text.endsWith("}") && text.length() > 3;
  }

  private static String body(String text) {
    return text.substring(2, text.length() - 1).trim();
  }

  /**
   * Parses every expression in {@code template} (at any depth); a parse error is an invalid_argument naming
   * {@code where}. Completes with the step ids the expressions refer to ({@code steps.<id>}).
   */
  public static Set<String> check(Object template, String where) {
    Set<String> references = new LinkedHashSet<>();
    collect(template, where, references);
    return references;
  }

  private static void collect(Object template, String where, Set<String> references) {
    if (template instanceof JsonObject object) {
      object.forEach(entry -> collect(entry.getValue(), where, references));
    } else if (template instanceof JsonArray array) {
      array.forEach(value -> collect(value, where, references));
    } else if (isExpression(template)) {
      String expression = body((String) template);
      parsed(expression, where);
      Matcher matcher = STEP_REFERENCE.matcher(expression);
      while (matcher.find()) {
        references.add(matcher.group(1));
      }
    }
  }

  private static Jsonata parsed(String expression, String where) {
    Jsonata found = PARSED.get(expression);
    if (found != null) {
      return found;
    }
    if (expression.length() > MAX_EXPRESSION_CHARS) {
      // the parser takes seconds over long literals, on the event loop of whoever stores the workflow
      throw McpException.invalidField(where, "an expression may hold at most " + MAX_EXPRESSION_CHARS
          + " characters (got " + expression.length() + ": '" + expression.substring(0, 40) + "…')");
    }
    try {
      Jsonata jsonata = Jsonata.jsonata(expression);
      if (PARSED.size() > CACHE_LIMIT) {
        PARSED.clear();
      }
      PARSED.put(expression, jsonata);
      return jsonata;
    } catch (JException e) {
      throw refused(where, expression, "does not parse: " + e.getMessage());
    } catch (RuntimeException e) {
      throw refused(where, expression, "does not parse: " + e);
    } catch (StackOverflowError e) {
      // the parser recurses per nesting level: about a thousand nested brackets overflow a thread's stack
      throw refused(where, expression, "nests too deeply to parse");
    }
  }

  /**
   * The template with each expression replaced by its value in {@code scope}, evaluated on a worker thread within
   * {@link #HARD_TIMEOUT_MILLIS}; a template without expressions is answered at once.
   */
  public static Future<Object> resolve(Vertx vertx, Object template, JsonObject scope, String where) {
    if (!holdsExpression(template)) {
      return Future.succeededFuture(template);
    }
    return workers(vertx).executeBlocking(() -> resolve(template, scope, where), false)
        .timeout(HARD_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)
        .recover(failure -> Future.failedFuture(failure instanceof TimeoutException
            ? McpException.invalidField(where, "an expression took over " + HARD_TIMEOUT_MILLIS + " ms") : failure));
  }

  private static WorkerExecutor workers(Vertx vertx) {
    synchronized (WORKERS) {
      return WORKERS.computeIfAbsent(vertx, v -> v.createSharedWorkerExecutor("mlp-expressions", 2));
    }
  }

  private static boolean holdsExpression(Object template) {
    if (template instanceof JsonObject object) {
      return object.stream().anyMatch(entry -> holdsExpression(entry.getValue()));
    }
    if (template instanceof JsonArray array) {
      return array.stream().anyMatch(Expressions::holdsExpression);
    }
    return isExpression(template);
  }

  /** The template with each expression replaced by its value in {@code scope} (blocking: on a worker thread). */
  static Object resolve(Object template, JsonObject scope, String where) {
    return resolve(template, new Scope(scope), where);
  }

  private static Object resolve(Object template, Scope scope, String where) {
    if (template instanceof JsonObject object) {
      JsonObject resolved = new JsonObject();
      object.forEach(entry -> resolved.put(entry.getKey(), resolve(entry.getValue(), scope, where)));
      return resolved;
    }
    if (template instanceof JsonArray array) {
      JsonArray resolved = new JsonArray();
      array.forEach(value -> resolved.add(resolve(value, scope, where)));
      return resolved;
    }
    if (isExpression(template)) {
      return evaluate(body((String) template), scope, where);
    }
    return template;
  }

  /** The value of one expression (with or without its "${ }") in {@code scope}; undefined is null. */
  public static Object evaluate(String expression, JsonObject scope, String where) {
    return evaluate(isExpression(expression) ? body(expression) : expression, new Scope(scope), where);
  }

  private static Object evaluate(String expression, Scope scope, String where) {
    Jsonata jsonata = parsed(expression, where);
    try {
      Jsonata.Frame frame = jsonata.createFrame();
      Guard guard = new Guard(expression, where);
      frame.setEvaluateEntryCallback(callback(Jsonata.EntryCallback.class, arguments -> guard.entered()));
      frame.setEvaluateExitCallback(callback(Jsonata.ExitCallback.class, arguments -> guard.left(arguments[3])));
      frame.bind("pad", Jsonata.function("pad", (Jsonata.Fn3<String, Number, String, String>) Expressions::pad,
          "<s-ns?:s>"));
      Object value = jsonata.evaluate(scope.plain(), frame);
      if (size(value, 0) > MAX_BUILT) {
        throw refused(where, expression, "built a value over " + MAX_BUILT + " values and characters");
      }
      return fromPlain(value);
    } catch (McpException e) {
      throw e;
    } catch (StackOverflowError e) {
      throw refused(where, expression, "recursed too deeply");
    } catch (JException e) {
      throw refused(where, expression, "failed: " + e.getMessage());
    } catch (RuntimeException e) {
      throw refused(where, expression, "failed: " + e);
    }
  }

  /**
   * Bounds one evaluation as JSONata's Timebox does (time, depth of evaluation) and also the strings and arrays each
   * step builds: {@code $a & $a} doubling in a $reduce filled a 2 GB heap in a second, before any timeout.
   */
  private static final class Guard {
    private final long deadline = System.currentTimeMillis() + TIMEOUT_MILLIS;
    private final String expression;
    private final String where;
    private int depth;

    Guard(String expression, String where) {
      this.expression = expression;
      this.where = where;
    }

    void entered() {
      if (++depth > MAX_DEPTH) {
        throw refused("failed: evaluation nests deeper than " + MAX_DEPTH + " (a recursion that does not end?)");
      }
      if (System.currentTimeMillis() > deadline) {
        throw refused("failed: evaluation took longer than " + TIMEOUT_MILLIS + " ms (an endless loop?)");
      }
    }

    void left(Object result) {
      depth--;
      if (result instanceof String text && text.length() > MAX_BUILT
          || result instanceof List<?> list && list.size() > MAX_BUILT) {
        throw refused("built a value over " + MAX_BUILT + " values and characters");
      }
    }

    private McpException refused(String why) {
      return Expressions.refused(where, expression, why);
    }
  }

  /** Why {@code expression} (in {@code where}) is refused, in the one form every refusal here takes. */
  private static McpException refused(String where, String expression, String why) {
    return McpException.invalidField(where, "expression '" + expression + "' " + why);
  }

  /**
   * One of the evaluator's callback interfaces running {@code body} with the call's arguments: their first parameter's
   * type (the parser's Symbol) is not public, so neither a lambda nor a method reference can implement them.
   */
  private static <T> T callback(Class<T> type, java.util.function.Consumer<Object[]> body) {
    return type.cast(java.lang.reflect.Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[]{type},
        (proxy, method, arguments) -> switch (method.getName()) {
          case "equals" -> proxy == arguments[0];
          case "hashCode" -> System.identityHashCode(proxy);
          case "toString" -> "expression guard";
          default -> {
            body.accept(arguments);
            yield null;
          }
        }));
  }

  /** JSONata's $pad, refusing to build a string longer than {@link #MAX_BUILT}. */
  private static String pad(String text, Number width, String padding) {
    if (text == null) {
      return null;
    }
    if (width != null && Math.abs(width.doubleValue()) > MAX_BUILT) {
      throw new IllegalArgumentException("$pad may build at most " + MAX_BUILT + " characters");
    }
    return com.dashjoin.jsonata.Functions.pad(text, width == null ? null : width.intValue(), padding);
  }

  /** The values and characters of a result, counted until {@code limit} is passed. */
  private static long size(Object value, long counted) {
    java.util.ArrayDeque<Object> pending = new java.util.ArrayDeque<>();
    if (value != null) {
      pending.push(value);
    }
    long total = counted;
    while (!pending.isEmpty() && total <= MAX_BUILT) {
      Object next = pending.pop();
      total++;
      if (next instanceof String text) {
        total += text.length();
      } else if (next instanceof Map<?, ?> map) {
        if (map.size() > MAX_BUILT) {
          return Long.MAX_VALUE;
        }
        map.forEach((key, item) -> {
          pending.push(String.valueOf(key));
          if (item != null) {
            pending.push(item);
          }
        });
      } else if (next instanceof List<?> list) {
        if (list.size() > MAX_BUILT) {
          return Long.MAX_VALUE;
        }
        list.forEach(item -> {
          if (item != null) {
            pending.push(item);
          }
        });
      }
    }
    return total;
  }

  /** JSONata's truthiness: false, null, 0, "" and empty arrays are false. */
  public static boolean truthy(Object value) {
    return Jsonata.boolize(toPlain(value));
  }

  /** Converts the scope to plain maps and lists once per template, not once per expression. */
  private static final class Scope {
    private final JsonObject json;
    private Object plain;

    Scope(JsonObject json) {
      this.json = json;
    }

    Object plain() {
      if (plain == null) {
        plain = toPlain(json);
      }
      return plain;
    }
  }

  private static Object toPlain(Object value) {
    if (value instanceof JsonObject object) {
      Map<String, Object> map = new LinkedHashMap<>();
      object.forEach(entry -> map.put(entry.getKey(), toPlain(entry.getValue())));
      return map;
    }
    if (value instanceof JsonArray array) {
      List<Object> list = new ArrayList<>();
      array.forEach(item -> list.add(toPlain(item)));
      return list;
    }
    return value;
  }

  /** JSONata's maps and lists as Vert.x JSON; whole doubles as integers (a version number stays 3, not 3.0). */
  private static Object fromPlain(Object value) {
    if (value instanceof Map<?, ?> map) {
      JsonObject object = new JsonObject();
      map.forEach((key, item) -> object.put(String.valueOf(key), fromPlain(item)));
      return object;
    }
    if (value instanceof List<?> list) {
      if (list.size() == 1 && isSequenceOfOne(list)) {
        return fromPlain(list.get(0));
      }
      JsonArray array = new JsonArray();
      list.forEach(item -> array.add(fromPlain(item)));
      return array;
    }
    if (value instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15) {
      return d.longValue();
    }
    if (value instanceof Number || value instanceof String || value instanceof Boolean) {
      return value;
    }
    return value == null || value == Jsonata.NULL_VALUE ? null : value.toString();
  }

  /** JSONata returns a one-item result sequence where JavaScript would return the item. */
  private static boolean isSequenceOfOne(List<?> list) {
    return list instanceof Utils.JList<?> sequence && sequence.sequence && !sequence.keepSingleton;
  }
}
