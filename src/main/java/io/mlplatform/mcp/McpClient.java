package io.mlplatform.mcp;

import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;

/** Sends MCP requests over the event bus and turns the response into a result or a typed error. */
public final class McpClient {
  private final EventBus eventBus;
  private final Envelope.Party self;
  private final DeliveryOptions options;
  private final long timeoutMillis;

  public McpClient(EventBus eventBus, Envelope.Party self, long timeoutMillis) {
    this.eventBus = eventBus;
    this.self = self;
    this.timeoutMillis = timeoutMillis;
    this.options = new DeliveryOptions().setSendTimeout(timeoutMillis);
  }

  public Envelope.Party self() {
    return self;
  }

  /** Builds a request envelope from this client; send it with {@link #send(String, Envelope)}. */
  public Envelope newRequest(Envelope.Party recipient, String operation, JsonObject payload) {
    return Envelope.request(self, recipient, operation, payload);
  }

  /** Publishes an event envelope (message_type "event") from this client to every consumer of {@code address}. */
  public void publish(String address, String operation, JsonObject payload) {
    eventBus.publish(address, Envelope.event(self, operation, payload));
  }

  /** Sends a request and completes with the response's result, or fails with an {@link McpException}. */
  public Future<JsonObject> send(String address, Envelope request) {
    return exchange(address, request).compose(response -> response.isError()
        ? Future.failedFuture(response.error())
        : Future.succeededFuture(response.result()));
  }

  /** Sends a request and completes with the whole response envelope (errors inside it stay inside it). */
  public Future<Envelope> exchange(String address, Envelope request) {
    long start = System.nanoTime();
    return eventBus.<Envelope>request(address, request, options)
        .recover(failure -> Future.failedFuture(transportError(address, failure, start)))
        .map(Message::body);
  }

  private McpException transportError(String address, Throwable failure, long start) {
    if (failure instanceof ReplyException reply) {
      boolean early = (System.nanoTime() - start) / 1_000_000 < timeoutMillis * 9 / 10;
      return switch (reply.failureType()) {
        case NO_HANDLERS -> new McpException(ErrorCode.UNAVAILABLE, "no component is serving " + address);
        // a "timeout" long before the deadline: the consumer was unregistered with the message still queued
        case TIMEOUT -> early
            ? new McpException(ErrorCode.UNAVAILABLE, "the component serving " + address + " went away before answering")
            : new McpException(ErrorCode.DEADLINE_EXCEEDED, "no answer from " + address + " in time");
        default -> new McpException(ErrorCode.INTERNAL, "failure at " + address + ": " + reply.getMessage());
      };
    }
    return McpException.wrap(failure);
  }
}
