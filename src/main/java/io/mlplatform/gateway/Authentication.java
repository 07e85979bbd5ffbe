package io.mlplatform.gateway;

import io.mlplatform.mcp.Addresses;
import io.mlplatform.mcp.Caller;
import io.mlplatform.mcp.Envelope;
import io.mlplatform.mcp.McpClient;
import io.mlplatform.node.Settings;
import io.mlplatform.policy.KeyDigest;
import io.mlplatform.policy.Permission;
import io.mlplatform.policy.Policy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Tells who calls: the API key of a request ({@code Authorization: Bearer <key>}, {@code X-API-Key}, or the
 * {@code api_key} query parameter for what a browser cannot give headers to: links and the event bridge) becomes its
 * {@link Caller}; a request without one is the anonymous caller, with the roles the settings give it (none when keys
 * are required). A key that is not known is refused with 401 even where anonymous calls are allowed. Checking what
 * the caller may do is {@link Calls}' part. Keys are looked up through the hub (which routes {@code key.*} to the
 * access server) once, then kept for {@link #TTL_MILLIS}; a deleted key is forgotten by every gateway at once.
 */
final class Authentication {
  static final String API_KEY_HEADER = "X-API-Key";
  static final String API_KEY_PARAM = "api_key";
  private static final String CALLER = "mlplatform.caller";
  private static final long TTL_MILLIS = 60_000;
  private static final int MAX_CACHED = 10_000;

  private static final Set<HttpMethod> CHANGES = Set.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH,
      HttpMethod.DELETE);

  private record Known(Caller caller, long until) {
  }

  private final McpClient client;
  private final Caller anonymous;
  private final Future<Caller> anonymousCaller;
  private final boolean anonymousMayNotChange;
  private final byte[] adminKeyHash;
  private final Map<String, Known> known = new HashMap<>();
  private final List<Consumer<String>> revokedListeners = new ArrayList<>();
  private MessageConsumer<Object> revocations;

  Authentication(McpClient client, Settings settings) {
    this.client = client;
    this.anonymous = Caller.anonymous(settings.anonymousRoles());
    this.anonymousCaller = Future.succeededFuture(anonymous);
    Set<Permission> granted = Policy.granted(settings.anonymousRoles());
    this.anonymousMayNotChange = !granted.contains(Permission.WRITE) && !granted.contains(Permission.PREDICT);
    this.adminKeyHash = settings.adminKey() == null ? null
        : KeyDigest.of(settings.adminKey()).getBytes(StandardCharsets.US_ASCII);
  }

  /** Listens for deleted keys (each gateway keeps its own cache, on its own event loop). */
  Future<Void> start(Vertx vertx) {
    revocations = vertx.eventBus().consumer(Addresses.KEYS_REVOKED, message -> {
      String name = message.body() instanceof Envelope event ? event.payload().getString("name") : null;
      known.values().removeIf(entry -> entry.caller().name().equals(name));
      revokedListeners.forEach(listener -> listener.accept(name));
    });
    return revocations.completion();
  }

  /** Tells {@code listener} the name of every key deleted from now on (on this gateway's event loop). */
  void onRevoked(Consumer<String> listener) {
    revokedListeners.add(listener);
  }

  /** The root handler: puts the request's caller in the context, or fails it with 401. */
  void handle(RoutingContext ctx) {
    Future<Caller> resolved = callerOf(ctx.request());
    if (resolved.succeeded()) {
      ctx.put(CALLER, resolved.result());
      ctx.next();
      return;
    }
    // the body handler and the uploads read the body after this: hold it while the key is looked up
    boolean paused = !ctx.request().isEnded();
    if (paused) {
      ctx.request().pause();
    }
    resolved.onComplete(found -> {
      if (paused) {
        ctx.request().resume();
      }
      if (found.failed()) {
        ctx.fail(found.cause());
        return;
      }
      ctx.put(CALLER, found.result());
      ctx.next();
    });
  }

  /**
   * The caller of a request: completed at once for the anonymous caller and for a key seen lately, else once the key
   * is looked up; failed (or thrown) with 401 when it cannot be known.
   */
  Future<Caller> callerOf(HttpServerRequest request) {
    String key = presented(request);
    if (key != null) {
      return resolve(key);
    }
    if (anonymousMayNotChange && CHANGES.contains(request.method())
        && (request.path().startsWith("/api/") || request.path().startsWith("/v2/"))) {
      // 401 before the body is read: a malformed body from a caller without a key is not worth a 400
      Policy.authorize(anonymous, Permission.WRITE, request.method() + " " + request.path());
    }
    return anonymousCaller;
  }

  /** The caller the root handler found (the anonymous caller on routes it did not see). */
  static Caller caller(RoutingContext ctx) {
    Caller caller = ctx.get(CALLER);
    return caller == null ? Caller.anonymous(List.of()) : caller;
  }

  private static String presented(HttpServerRequest request) {
    String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
    if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return authorization.substring(7).trim();
    }
    String header = request.getHeader(API_KEY_HEADER);
    if (header != null) {
      return header.trim();
    }
    // the query's parameters are parsed only when there is a query (a prediction seldom has one)
    return request.query() == null ? null : request.getParam(API_KEY_PARAM);
  }

  private Future<Caller> resolve(String key) {
    String hash = KeyDigest.of(key);
    if (adminKeyHash != null && MessageDigest.isEqual(adminKeyHash, hash.getBytes(StandardCharsets.US_ASCII))) {
      return Future.succeededFuture(new Caller("admin-key", "admin", List.of("admin")));
    }
    long now = System.currentTimeMillis();
    Known cached = known.get(hash);
    if (cached != null && cached.until() > now) {
      return Future.succeededFuture(cached.caller());
    }
    return client.hub("key.authenticate", new JsonObject().put("hash", hash)).map(found -> {
          Caller caller = Caller.fromJson(found);
          if (known.size() >= MAX_CACHED) {
            known.clear();
          }
          known.put(hash, new Known(caller, now + TTL_MILLIS));
          return caller;
        });
  }
}
