package io.mlplatform.policy;

import io.mlplatform.mcp.Caller;
import io.mlplatform.mcp.ErrorCode;
import io.mlplatform.mcp.McpException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.Collection;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Who may do what. Four built-in roles grant permissions: {@code viewer} reads, {@code predictor} predicts,
 * {@code editor} reads, predicts and writes, {@code admin} also manages API keys. Any other role name grants nothing
 * by itself: it is for workflow gates ({@code "check": {"role": "approver"}}).
 */
public final class Policy {
  public static final Map<String, Set<Permission>> BUILT_IN = new TreeMap<>(Map.of(
      "viewer", EnumSet.of(Permission.READ),
      "predictor", EnumSet.of(Permission.PREDICT),
      "editor", EnumSet.of(Permission.READ, Permission.PREDICT, Permission.WRITE),
      "admin", EnumSet.allOf(Permission.class)));
  private static final Set<String> READS = Set.of("get", "list", "preview", "logs");
  private static final Set<String> PREDICTIONS = Set.of("deployment.predict", "deployment.infer", "deployment.metadata");

  private Policy() {
  }

  /** The permission an operation needs: key.* admin, predictions predict, get/list/preview/logs read, else write. */
  public static Permission required(String operation) {
    if (operation.startsWith("key.")) {
      return Permission.ADMIN;
    }
    if (PREDICTIONS.contains(operation)) {
      return Permission.PREDICT;
    }
    return READS.contains(operation.substring(operation.lastIndexOf('.') + 1)) ? Permission.READ : Permission.WRITE;
  }

  public static Set<Permission> granted(Collection<String> roles) {
    Set<Permission> granted = EnumSet.noneOf(Permission.class);
    roles.forEach(role -> granted.addAll(BUILT_IN.getOrDefault(role, Set.of())));
    return granted;
  }

  /** Fails unless {@code caller} may perform {@code operation}. A null caller is the platform itself. */
  public static void authorize(Caller caller, String operation) {
    authorize(caller, required(operation), operation);
  }

  /** {@link #authorize(Caller, String)} as a future: failed with the refusal, for asynchronous callers. */
  public static Future<Void> allowed(Caller caller, String operation) {
    try {
      authorize(caller, operation);
      return Future.succeededFuture();
    } catch (McpException e) {
      return Future.failedFuture(e);
    }
  }

  /**
   * Fails unless {@code caller} has {@code permission} (for {@code what}, named in the error): unauthenticated for the
   * anonymous caller (a key would help), permission_denied for a key without it.
   */
  public static void authorize(Caller caller, Permission permission, String what) {
    if (caller == null || granted(caller.roles()).contains(permission)) {
      return;
    }
    JsonObject details = new JsonObject().put("operation", what).put("permission", permission.wireName())
        .put("roles_granting_it", rolesGranting(permission));
    if (caller.anonymous()) {
      throw new McpException(ErrorCode.UNAUTHENTICATED, what + " needs an API key with the " + permission.wireName()
          + " permission: send it as 'Authorization: Bearer <key>'", details);
    }
    throw new McpException(ErrorCode.PERMISSION_DENIED, "API key '" + caller.name() + "' (roles " + caller.roles()
        + ") may not " + what + ": it needs the " + permission.wireName() + " permission, which roles "
        + rolesGranting(permission) + " grant", details);
  }

  /** The permissions of a set of roles, as the API shows them. */
  public static JsonArray permissionsJson(Collection<String> roles) {
    JsonArray names = new JsonArray();
    granted(roles).forEach(p -> names.add(p.wireName()));
    return names;
  }

  private static JsonArray rolesGranting(Permission permission) {
    JsonArray roles = new JsonArray();
    BUILT_IN.forEach((role, permissions) -> {
      if (permissions.contains(permission)) {
        roles.add(role);
      }
    });
    return roles;
  }
}
