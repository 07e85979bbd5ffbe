package io.mlplatform.gateway;

import io.mlplatform.mcp.Addresses;
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

import java.net.URI;
import java.net.URISyntaxException;
import java.util.regex.Pattern;

/**
 * The web console's SockJS event-bus bridge. Out: the platform's events ({@code mcp.events.*}) as JSON envelopes.
 * In: nothing, so a browser can neither send to the hub, a server or a deployment, nor listen on their addresses.
 * Only pages of the platform's own origin may connect: WebSockets are not held back by CORS, so without this check
 * any site a user visits could read the platform's events.
 */
final class EventBridge {
  /** Where the bridge is mounted; the console's client connects to {@code /eventbus}. */
  static final String PATH = "/eventbus/*";
  /** Event addresses only: {@code mcp.events.models}, {@code mcp.events.executions}, ... */
  static final String OUTBOUND = Pattern.quote(Addresses.EVENTS_PREFIX) + "[a-z]+";

  private EventBridge() {
  }

  static Router router(Vertx vertx) {
    SockJSBridgeOptions options = new SockJSBridgeOptions()
        .addOutboundPermitted(new PermittedOptions().setAddressRegex(OUTBOUND))
        .setMaxHandlersPerSocket(16);
    return SockJSHandler.create(vertx).bridge(options, EventBridge::onEvent);
  }

  private static void onEvent(BridgeEvent event) {
    if (event.type() == BridgeEventType.SOCKET_CREATED) {
      event.complete(sameOrigin(event.socket().headers()));
      return;
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
