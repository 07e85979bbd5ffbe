package io.mlplatform.access;

import io.mlplatform.mcp.Addresses;
import io.mlplatform.mcp.Caller;
import io.mlplatform.mcp.Envelope;
import io.mlplatform.mcp.ErrorCode;
import io.mlplatform.mcp.McpClient;
import io.mlplatform.mcp.McpException;
import io.mlplatform.mcp.OperationRouter;
import io.mlplatform.mcp.Payload;
import io.mlplatform.policy.Permission;
import io.mlplatform.policy.Policy;
import io.mlplatform.storage.Stores;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * API keys: {@code key.create}, {@code key.list}, {@code key.delete} (the hub routes them here; the gateway lets only
 * admins ask) and {@code key.authenticate}, which the gateways ask with a presented key's hash. A deleted key is
 * announced on {@link Addresses#KEYS_REVOKED} so every gateway forgets it at once.
 */
public final class AccessServerVerticle extends VerticleBase {
  private static final int MAX_ROLES = 32;

  private final String nodeId;
  private final Stores stores;

  public AccessServerVerticle(String nodeId, Stores stores) {
    this.nodeId = nodeId;
    this.stores = stores;
  }

  @Override
  public Future<?> start() {
    Envelope.Party self = new Envelope.Party("access-server@" + nodeId, "access-server");
    McpClient client = new McpClient(vertx, self, 10_000);
    ApiKeys keys = new ApiKeys(stores.mongo(vertx));
    OperationRouter router = new OperationRouter(self)
        .onBehalf("key.create", (payload, caller) -> create(keys, payload, admin(caller, "key.create")))
        .onBehalf("key.list", (payload, caller) -> {
          admin(caller, "key.list");
          return keys.page(new Payload(payload).limit(100), new Payload(payload).offset());
        })
        .onBehalf("key.delete", (payload, caller) -> {
          admin(caller, "key.delete");
          String name = new Payload(payload).name("name");
          return keys.delete(name).map(v -> {
            client.publish(Addresses.KEYS_REVOKED, "key.revoked", new JsonObject().put("name", name));
            return new JsonObject();
          });
        })
        .on("key.authenticate", payload -> keys.caller(new Payload(payload).string("hash")).map(Caller::toJson));
    return keys.ensureIndexes().compose(v -> router.bind(vertx, Addresses.ACCESS_SERVER));
  }

  /** The caller, when it is an admin's: a message without a caller is not one (access changes name who asked). */
  private static Caller admin(Caller caller, String operation) {
    if (caller == null) {
      throw new McpException(ErrorCode.PERMISSION_DENIED, operation + " needs the caller of an admin's key in the "
          + "request (metadata.caller); a request without a caller may not change access");
    }
    Policy.authorize(caller, Permission.ADMIN, operation);
    return caller;
  }

  private static Future<JsonObject> create(ApiKeys keys, JsonObject json, Caller caller) {
    Payload payload = new Payload(json);
    String name = payload.name("name");
    if (!(json.getValue("roles") instanceof JsonArray given) || given.isEmpty() || given.size() > MAX_ROLES) {
      throw McpException.invalidField("roles", "must be a list of 1 to " + MAX_ROLES + " role names (built-in: "
          + Policy.BUILT_IN.keySet() + "; any other name is a role for workflow gates)");
    }
    List<String> roles = new ArrayList<>();
    for (int i = 0; i < given.size(); i++) {
      if (!(given.getValue(i) instanceof String role)) {
        throw McpException.invalidField("roles[" + i + "]", "must be a role name");
      }
      Payload.checkName("roles[" + i + "]", role);
      if (!roles.contains(role)) {
        roles.add(role);
      }
    }
    return keys.create(name, roles, payload.optionalString("description"), caller);
  }
}
