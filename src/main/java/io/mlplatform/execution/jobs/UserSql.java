package io.mlplatform.execution.jobs;

import io.mlplatform.mcp.McpException;
import org.apache.spark.sql.catalyst.analysis.ExpressionWithUnresolvedIdentifier;
import org.apache.spark.sql.catalyst.analysis.PlanWithUnresolvedIdentifier;
import org.apache.spark.sql.catalyst.analysis.UnresolvedFunction;
import org.apache.spark.sql.catalyst.analysis.UnresolvedGenerator;
import org.apache.spark.sql.catalyst.analysis.UnresolvedRelation;
import org.apache.spark.sql.catalyst.analysis.UnresolvedTVFAliases;
import org.apache.spark.sql.catalyst.analysis.UnresolvedTableValuedFunction;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.PlanExpression;
import org.apache.spark.sql.catalyst.parser.CatalystSqlParser$;
import org.apache.spark.sql.catalyst.parser.ParserInterface;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.UnresolvedWith;
import org.apache.spark.sql.catalyst.trees.TreeNode;
import scala.jdk.javaapi.CollectionConverters;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * User SQL (a transform's {@code sql} query and {@code filter} expression) checked on Spark's own parse tree before it
 * runs: a query only (no command, no INSERT), no reflection functions, no table function but a few generators, and
 * no relation but the job's view {@code data} (and the query's own CTEs): no file is read ({@code text.`file:…`}).
 */
public final class UserSql {
  /** The one view a transform registers for its user SQL. */
  public static final String VIEW = "data";
  private static final Set<String> REFUSED_FUNCTIONS = Set.of("java_method", "reflect", "try_reflect");
  private static final Set<String> TABLE_FUNCTIONS = Set.of("range", "explode", "explode_outer", "inline",
      "inline_outer", "posexplode", "posexplode_outer", "stack", "json_tuple");
  /** How many nodes of a parse tree are looked at before the text is refused as too large. */
  private static final int MAX_NODES = 100_000;

  private UserSql() {
  }

  /** Checks a query at submission, with the parser that needs no session. */
  public static void checkQuery(String where, String sql) {
    checkQuery(where, sql, CatalystSqlParser$.MODULE$);
  }

  /** Checks a query with a session's parser (at run time, right before Spark runs it). */
  public static void checkQuery(String where, String sql, ParserInterface parser) {
    LogicalPlan plan;
    try {
      plan = parser.parseQuery(sql);
    } catch (Exception e) {
      throw McpException.invalidField(where, "does not parse as a query over the table 'data': "
          + firstLine(e.getMessage()));
    }
    walk(where, plan);
  }

  public static void checkExpression(String where, String expression) {
    checkExpression(where, expression, CatalystSqlParser$.MODULE$);
  }

  public static void checkExpression(String where, String expression, ParserInterface parser) {
    Expression parsed;
    try {
      parsed = parser.parseExpression(expression);
    } catch (Exception e) {
      throw McpException.invalidField(where, "does not parse: " + firstLine(e.getMessage()));
    }
    walk(where, parsed);
  }

  /** Every node of the tree, plans and expressions and the plans inside subqueries, without recursion. */
  private static void walk(String where, TreeNode<?> root) {
    Set<String> views = new HashSet<>(Set.of(VIEW));
    Deque<TreeNode<?>> pending = new ArrayDeque<>(List.of(root));
    List<UnresolvedRelation> relations = new java.util.ArrayList<>();
    int seen = 0;
    while (!pending.isEmpty()) {
      if (++seen > MAX_NODES) {
        throw McpException.invalidField(where, "is too large (over " + MAX_NODES + " parse-tree nodes)");
      }
      TreeNode<?> node = pending.pop();
      check(where, node, views, relations);
      pending.addAll(CollectionConverters.asJava(node.children()));
      pending.addAll(CollectionConverters.asJava(node.innerChildren()));
      if (node instanceof LogicalPlan plan) {
        pending.addAll(CollectionConverters.asJava(plan.expressions()));
      }
      if (node instanceof PlanExpression<?> subquery) {
        pending.add((TreeNode<?>) subquery.plan());
      }
    }
    // CTE names are known once the whole tree is seen; a relation must be one of them or the job's view
    for (UnresolvedRelation relation : relations) {
      List<String> parts = CollectionConverters.asJava(relation.multipartIdentifier());
      if (parts.size() != 1 || !views.contains(parts.get(0).toLowerCase(Locale.ROOT))) {
        throw McpException.invalidField(where, "may only read the table 'data', not " + String.join(".", parts));
      }
    }
  }

  private static void check(String where, TreeNode<?> node, Set<String> views, List<UnresolvedRelation> relations) {
    if (node instanceof UnresolvedFunction function) {
      refuseFunction(where, CollectionConverters.asJava(function.nameParts()));
    } else if (node instanceof UnresolvedGenerator generator) {
      refuseFunction(where, List.of(generator.name().funcName()));
    } else if (node instanceof UnresolvedTableValuedFunction function) {
      refuseTableFunction(where, CollectionConverters.asJava(function.name()));
    } else if (node instanceof UnresolvedTVFAliases function) {
      refuseTableFunction(where, CollectionConverters.asJava(function.name()));
    } else if (node instanceof PlanWithUnresolvedIdentifier || node instanceof ExpressionWithUnresolvedIdentifier) {
      throw McpException.invalidField(where, "may not name tables or functions with IDENTIFIER(...)");
    } else if (node instanceof UnresolvedRelation relation) {
      relations.add(relation);
    } else if (node instanceof UnresolvedWith with) {
      CollectionConverters.asJava(with.cteRelations()).forEach(cte -> views.add(cte._1().toLowerCase(Locale.ROOT)));
    }
  }

  private static void refuseFunction(String where, List<String> nameParts) {
    String name = nameParts.get(nameParts.size() - 1).toLowerCase(Locale.ROOT);
    if (REFUSED_FUNCTIONS.contains(name)) {
      throw McpException.invalidField(where, "may not call the function " + name + " (reflection is not allowed)");
    }
  }

  private static void refuseTableFunction(String where, List<String> nameParts) {
    String name = String.join(".", nameParts).toLowerCase(Locale.ROOT);
    if (!TABLE_FUNCTIONS.contains(name)) {
      throw McpException.invalidField(where, "may not call the table function " + name + " (allowed: "
          + new java.util.TreeSet<>(TABLE_FUNCTIONS) + ")");
    }
  }

  private static String firstLine(String text) {
    if (text == null) {
      return "unreadable";
    }
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline);
  }
}
