package io.mlplatform.mcp;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sends MCP requests over the event bus and turns the response into a result or a typed error.
 * <p>
 * In a cluster each request goes to one node chosen among those serving the address (see {@link Nodes}), so the
 * client knows whom it waits for. When that node leaves the cluster the wait ends at once: a request that only
 * reads ({@link #idempotent}) goes to another node, any other fails with {@code unavailable} saying it may or may
 * not have been done. Servers declare an attempt deadline in their answers ({@link #ATTEMPT_HEADER}: 2 s for the
 * platform's servers, a hop more for the hub, a deployment's attempt_timeout_ms for its replicas): past it, a read is
 * sent to another node as well and the first answer wins, and the slow node is tried last for a while by every
 * client of this node.
 */
public final class McpClient {
  /** Reply header in which a server gives the attempt deadline (ms) of the requests sent to its address. */
  public static final String ATTEMPT_HEADER = "mlp-attempt-ms";
  private static final int MAX_ATTEMPTS = 3;
  private static final long SUSPECT_MILLIS = 5000;
  private static final Set<String> READS = Set.of("get", "list", "preview", "logs", "metadata",
      "predict", "infer", "authenticate");

  /** The hub as a request's recipient: it routes each operation to the server that owns it. */
  public static final Envelope.Party HUB = new Envelope.Party(Addresses.HUB, "hub");

  private final Vertx vertx;
  private final EventBus eventBus;
  private final Nodes nodes;
  private final DirectServers direct;
  private final Envelope.Party self;
  private final long timeoutMillis;
  /** The attempts waiting on each node, ended when it leaves. */
  private final Map<String, Set<Attempt>> waiting = new ConcurrentHashMap<>();
  /** The attempt deadline of each address, as its servers declared it. */
  private final Map<String, Long> attemptMillis = new ConcurrentHashMap<>();
  private final AtomicInteger turn = new AtomicInteger();

  public McpClient(Vertx vertx, Envelope.Party self, long timeoutMillis) {
    this.vertx = vertx;
    this.eventBus = vertx.eventBus();
    this.nodes = Nodes.of(vertx);
    this.direct = DirectServers.of(vertx);
    this.self = self;
    this.timeoutMillis = timeoutMillis;
    nodes.onLeft(this::nodeLeft);
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

  /**
   * A server of this node that may answer a request to {@code address} on the calling thread ({@link DirectServers});
   * null when there is none, or in a cluster, where requests are spread over the nodes serving the address.
   */
  public DirectServers.Server direct(String address) {
    return nodes.clustered() ? null : direct.pick(address);
  }

  /** Sends an operation to the hub, which routes it to the server that owns it; the result, or an McpException. */
  public Future<JsonObject> hub(String operation, JsonObject payload) {
    return send(Addresses.HUB, newRequest(HUB, operation, payload));
  }

  /** Sends an operation to the hub on behalf of {@code caller}, whom its server checks and records. */
  public Future<JsonObject> hub(String operation, JsonObject payload, Caller caller) {
    return send(Addresses.HUB, newRequest(HUB, operation, payload).onBehalfOf(caller));
  }

  /** Sends a request and completes with the response's result, or fails with an {@link McpException}. */
  public Future<JsonObject> send(String address, Envelope request) {
    return exchange(address, request).compose(response -> response.isError()
        ? Future.failedFuture(response.error())
        : Future.succeededFuture(response.result()));
  }

  /** Sends a request and completes with the whole response envelope (errors inside it stay inside it). */
  public Future<Envelope> exchange(String address, Envelope request) {
    if (!nodes.clustered()) {
      // one node: a read whose server went away before answering (a replica replaced) is sent once more
      return local(address, request).recover(failure -> idempotent(request.operation())
          && McpException.wrap(failure).code() == ErrorCode.UNAVAILABLE
          ? local(address, request) : Future.failedFuture(failure));
    }
    return new Call(address, request).start();
  }

  private Future<Envelope> local(String address, Envelope request) {
    long start = System.nanoTime();
    return eventBus.<Envelope>request(address, request, new DeliveryOptions().setSendTimeout(timeoutMillis))
        .recover(failure -> Future.failedFuture(transportError(address, failure, start, timeoutMillis)))
        .map(Message::body);
  }

  /** Whether an operation only reads (or scores), so that sending it twice does no harm. */
  public static boolean idempotent(String operation) {
    return READS.contains(operation.substring(operation.lastIndexOf('.') + 1));
  }

  private void nodeLeft(String node) {
    Set<Attempt> attempts = waiting.remove(node);
    if (attempts != null) {
      attempts.forEach(Attempt::targetLeft);
    }
  }

  private static McpException transportError(String address, Throwable failure, long start, long timeout) {
    if (failure instanceof ReplyException reply) {
      boolean early = (System.nanoTime() - start) / 1_000_000 < timeout * 9 / 10;
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

  /** One request and its attempts; its state is touched on the context it was sent from only. */
  private final class Call {
    private final String address;
    private final Envelope request;
    private final boolean idempotent;
    private final Context context = vertx.getOrCreateContext();
    private final long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    private final Promise<Envelope> outcome = Promise.promise();
    private final Set<String> tried = new HashSet<>();
    private final Set<String> gone = new HashSet<>();
    private int attempts;
    private int pending;
    private McpException lastFailure;

    Call(String address, Envelope request) {
      this.address = address;
      this.request = request;
      this.idempotent = idempotent(request.operation());
    }

    Future<Envelope> start() {
      if (Vertx.currentContext() == context) {
        launch(false);
      } else {
        context.runOnContext(v -> launch(false));
      }
      return outcome.future();
    }

    /** Sends one more attempt: to a node not tried yet when {@code hedge}, else to the best node there is. */
    private void launch(boolean hedge) {
      nodes.serving(address).onComplete(ar -> {
        if (outcome.future().isComplete()) {
          return;
        }
        String node = ar.succeeded() ? choose(ar.result(), hedge) : null;
        if (node != null && attempts < MAX_ATTEMPTS) {
          attempt(node);
        } else if (attempts == 0 && !hedge) {
          // the cluster's registrations listed no one (seen right after a split brain merged): let the event
          // bus route it by its own view, untracked, rather than refuse it
          local(address, request).onComplete(outcome);
        } else if (pending == 0 && !hedge) {
          outcome.tryFail(lastFailure != null ? lastFailure
              : ar.failed() ? McpException.wrap(ar.cause())
              : new McpException(ErrorCode.UNAVAILABLE, "no component is serving " + address));
        }
      });
    }

    private String choose(List<String> serving, boolean hedge) {
      List<String> candidates = serving.stream().filter(node -> !gone.contains(node)).toList();
      List<String> fresh = candidates.stream().filter(node -> !tried.contains(node)).toList();
      List<String> trusted = fresh.stream().filter(node -> !nodes.suspected(node)).toList();
      List<String> pool = !trusted.isEmpty() ? trusted : !fresh.isEmpty() || hedge ? fresh : candidates;
      if (pool.isEmpty()) {
        return null;
      }
      // the next node in turn, unless this node serves the address too and is not busier: a request served where it
      // arrived skips two event-bus hops between nodes (about 1 ms of CPU, six times a local prediction's cost); under
      // load the turn's node wins whenever this one has more attempts waiting, so the work still spreads
      String next = pool.get(Math.floorMod(turn.getAndIncrement(), pool.size()));
      String here = nodes.self();
      return !next.equals(here) && pool.contains(here) && waitingOn(here) <= waitingOn(next) ? here : next;
    }

    private int waitingOn(String node) {
      Set<Attempt> attempts = waiting.get(node);
      return attempts == null ? 0 : attempts.size();
    }

    private void attempt(String node) {
      long remaining = (deadline - System.nanoTime()) / 1_000_000;
      if (remaining <= 0) {
        outcome.tryFail(new McpException(ErrorCode.DEADLINE_EXCEEDED, "no answer from " + address + " in time"));
        return;
      }
      tried.add(node);
      attempts++;
      pending++;
      Attempt attempt = new Attempt(this, node);
      waiting.computeIfAbsent(node, n -> ConcurrentHashMap.newKeySet()).add(attempt);
      long start = System.nanoTime();
      eventBus.<Envelope>request(Nodes.direct(address, node), request, new DeliveryOptions().setSendTimeout(remaining))
          .onComplete(ar -> attempt.settle(ar.succeeded() ? ar.result() : null,
              ar.failed() ? transportError(address, ar.cause(), start, remaining) : null,
              ar.failed() && ar.cause() instanceof ReplyException reply && reply.failureType() == ReplyFailure.NO_HANDLERS));
      Long limit = attemptMillis.get(address);
      if (idempotent && limit != null && limit < remaining) {
        attempt.timer = vertx.setTimer(limit, id -> {
          if (!attempt.settled && !outcome.future().isComplete()) {
            nodes.suspect(node, SUSPECT_MILLIS);
            launch(true);
          }
        });
      }
    }

    private void settled(Message<Envelope> reply, McpException failure, boolean neverDelivered) {
      pending--;
      if (reply != null) {
        String declared = reply.headers().get(ATTEMPT_HEADER);
        if (declared != null) {
          attemptMillis.put(address, Long.parseLong(declared));
        }
        outcome.tryComplete(reply.body());
        return;
      }
      lastFailure = failure;
      if (outcome.future().isComplete()) {
        return;
      }
      boolean retry = neverDelivered || idempotent && failure.code() == ErrorCode.UNAVAILABLE;
      if (retry) {
        launch(false);
      } else if (pending == 0) {
        outcome.tryFail(failure);
      }
    }
  }

  /** One send of a call to one node. */
  private final class Attempt {
    private final Call call;
    private final String node;
    private boolean settled;
    private long timer = -1;

    Attempt(Call call, String node) {
      this.call = call;
      this.node = node;
    }

    /** Called on a Hazelcast thread when the node leaves the cluster: the answer will never come. */
    void targetLeft() {
      call.context.runOnContext(v -> {
        call.gone.add(node);
        settle(null, new McpException(ErrorCode.UNAVAILABLE, call.idempotent
            ? "the node serving " + call.address + " left the cluster before answering"
            : "the node serving " + call.address + " left the cluster before answering " + call.request.operation()
                + ": it may or may not have been done"), false);
      });
    }

    void settle(Message<Envelope> reply, McpException failure, boolean neverDelivered) {
      if (settled) {
        return;
      }
      settled = true;
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
      Set<Attempt> attempts = waiting.get(node);
      if (attempts != null) {
        attempts.remove(this);
      }
      call.settled(reply, failure, neverDelivered);
    }
  }
}
