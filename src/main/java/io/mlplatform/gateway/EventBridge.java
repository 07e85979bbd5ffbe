package io.mlplatform.gateway;

import io.mlplatform.mcp.Addresses;
import io.mlplatform.mcp.Caller;
import io.mlplatform.mcp.Envelope;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.BridgeEventType;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.sockjs.BridgeEvent;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The web console's SockJS event-bus bridge. Out: the platform's events ({@code mcp.events.*}) as JSON envelopes.
 * In: nothing, so a browser can neither send to the hub, a server or a deployment, nor listen on their addresses.
 * Only pages of the platform's own origin may connect: WebSockets are not held back by CORS, so without this check
 * any site a user visits could read the platform's events. A socket opened with an API key is closed when the key is
 * deleted.
 */
final class EventBridge {
  /** Where the bridge is mounted; the console's client connects to {@code /eventbus}. */
  static final String PATH = "/eventbus/*";
  /** Event addresses only: {@code mcp.events.models}, {@code mcp.events.executions}, ... */
  static final String OUTBOUND = Pattern.quote(Addresses.EVENTS_PREFIX) + "[a-z]+";

  private EventBridge() {
  }

  /** The bridge of one gateway verticle (its sockets live on that verticle's event loop). */
  static Router router(Vertx vertx, Authentication authentication) {
    SockJSBridgeOptions options = new SockJSBridgeOptions()
        .addOutboundPermitted(new PermittedOptions().setAddressRegex(OUTBOUND))
        .setMaxHandlersPerSocket(16);
    Map<String, Set<SockJSSocket>> byKey = new HashMap<>();
    authentication.onRevoked(name -> {
      Set<SockJSSocket> sockets = byKey.remove(name);
      if (sockets != null) {
        sockets.forEach(socket -> socket.close(4001, "API key revoked"));
      }
    });
    return SockJSHandler.create(vertx).bridge(options, event -> onEvent(event, byKey));
  }

  private static void onEvent(BridgeEvent event, Map<String, Set<SockJSSocket>> byKey) {
    if (event.type() == BridgeEventType.SOCKET_CREATED) {
      boolean allowed = sameOrigin(event.socket().headers());
      Caller caller = event.socket().routingContext() == null ? null : Authentication.caller(event.socket().routingContext());
      if (allowed && caller != null && !caller.anonymous()) {
        byKey.computeIfAbsent(caller.name(), name -> new HashSet<>()).add(event.socket());
      }
      event.complete(allowed);
      return;
    }
    if (event.type() == BridgeEventType.SOCKET_CLOSED) {
      byKey.values().forEach(sockets -> sockets.remove(event.socket()));
      byKey.values().removeIf(Set::isEmpty);
    }
    if (event.type() == BridgeEventType.RECEIVE) {
      // within a node, events travel as Envelope objects (see EnvelopeCodec): the browser gets their JSON form
      JsonObject raw = event.getRawMessage();
      if (raw.getValue("body") instanceof Envelope envelope) {
        raw.put("body", envelope.toJson());
      }
    }
    event.complete(true);
  }

  /** No Origin header: not a browser. Otherwise the page's origin must be the host it connects to. */
  static boolean sameOrigin(MultiMap headers) {
    String origin = headers.get(HttpHeaders.ORIGIN);
    if (origin == null) {
      return true;
    }
    String host = headers.get(HttpHeaders.HOST);
    try {
      String authority = new URI(origin).getRawAuthority();
      return host != null && authority != null && authority.equalsIgnoreCase(host);
    } catch (URISyntaxException e) {
      return false;
    }
  }
}
