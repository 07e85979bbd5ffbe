package io.mlplatform.gateway;

import io.mlplatform.mcp.Addresses;
import io.mlplatform.mcp.Envelope;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.BridgeEventType;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.sockjs.BridgeEvent;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;

import java.util.regex.Pattern;

/**
 * The web console's SockJS event-bus bridge. Out: the platform's events ({@code mcp.events.*}) as JSON envelopes.
 * In: nothing, so a browser can neither send to the hub, a server or a deployment, nor listen on their addresses.
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

  /** Within a node, events travel as Envelope objects (see EnvelopeCodec): the browser gets their JSON form. */
  private static void onEvent(BridgeEvent event) {
    if (event.type() == BridgeEventType.RECEIVE) {
      JsonObject raw = event.getRawMessage();
      if (raw.getValue("body") instanceof Envelope envelope) {
        raw.put("body", envelope.toJson());
      }
    }
    event.complete(true);
  }
}
