package io.mlplatform.mcp;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;

/** Binds a server's operations to its address: one handler per operation, every answer a response envelope. */
public final class OperationRouter {
  /**
   * A server's attempt deadline unless it declares its own: a read it has not answered in 2 s is sent to another
   * server as well (see {@link McpClient#ATTEMPT_HEADER}): registry and data reads take milliseconds, and a node
   * killed or frozen is dropped by the cluster only after seconds.
   */
  public static final long READ_ATTEMPT_MILLIS = 2000;
  private static final Logger LOG = LoggerFactory.getLogger(OperationRouter.class);

  private final Envelope.Party self;
  /** Each operation's handler, given the request (the caller is read from it only by handlers that need it). */
  private final Map<String, Function<Envelope, Future<JsonObject>>> handlers = new HashMap<>();
  private DeliveryOptions replyOptions = attemptOptions(READ_ATTEMPT_MILLIS);

  public OperationRouter(Envelope.Party self) {
    this.self = self;
  }

  /** Registers the handler of one operation; it receives the request's payload. */
  public OperationRouter on(String operation, Function<JsonObject, Future<JsonObject>> handler) {
    handlers.put(operation, request -> handler.apply(request.payload()));
    return this;
  }

  /** Registers the handler of an operation that needs to know who asked (the request's caller, null if none). */
  public OperationRouter onBehalf(String operation, BiFunction<JsonObject, Caller, Future<JsonObject>> handler) {
    handlers.put(operation, request -> handler.apply(request.payload(), request.caller()));
    return this;
  }

  /**
   * Tells clients to send a read to another server as well when this one has not answered in {@code millis}
   * (see {@link McpClient#ATTEMPT_HEADER}).
   */
  public OperationRouter attemptDeadline(long millis) {
    replyOptions = attemptOptions(millis);
    return this;
  }

  /** Reply options declaring an attempt deadline of {@code millis}. */
  public static DeliveryOptions attemptOptions(long millis) {
    return new DeliveryOptions().addHeader(McpClient.ATTEMPT_HEADER, Long.toString(millis));
  }

  /** Serves the operations at {@code address} (and, in a cluster, at this node's direct address of it). */
  public Future<Nodes.Binding> bind(Vertx vertx, String address) {
    return Nodes.of(vertx).consume(address, this::handle);
  }

  private void handle(Message<Envelope> message) {
    Envelope request = message.body();
    Function<Envelope, Future<JsonObject>> handler = handlers.get(request.operation());
    Future<JsonObject> outcome;
    if (handler == null) {
      outcome = Future.failedFuture(McpException.invalid("unknown operation " + request.operation()));
    } else {
      try {
        outcome = handler.apply(request);
      } catch (RuntimeException e) {
        outcome = Future.failedFuture(e);
      }
    }
    outcome.onComplete(ar -> {
      if (ar.succeeded()) {
        message.reply(request.resultFrom(self, ar.result()), replyOptions);
      } else {
        McpException error = McpException.wrap(ar.cause());
        if (error.code() == ErrorCode.INTERNAL) {
          LOG.error("{} {} failed", request.operation(), request.messageId(), ar.cause());
        }
        message.reply(request.errorFrom(self, error), replyOptions);
      }
    });
  }
}
