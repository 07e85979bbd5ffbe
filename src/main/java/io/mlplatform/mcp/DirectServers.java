package io.mlplatform.mcp;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Shareable;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Servers of this node that can answer some requests on the caller's own thread, without the event bus: a replica of
 * a model whose scoring costs less than a hop between event loops (see {@code InProcessModel}). A request sent to an
 * address such a server serves is first offered to it ({@link McpClient#direct}); when it declines, the request takes
 * the event bus as any other. Such a server must be safe to call from any thread.
 */
public final class DirectServers implements Shareable {
  /** A server that may answer directly. */
  public interface Server {
    /** Who answers (as its response envelopes' sender would be named). */
    String id();

    /**
     * The answer to {@code operation}, computed on the calling thread (with the other requests it takes before it
     * goes back to its I/O, when that saves work), or null when this request must go through the event bus (its
     * operation, its size or the server's state says so). May throw an {@link McpException}.
     */
    Future<JsonObject> answer(String operation, JsonObject payload);
  }

  private final Map<String, List<Server>> servers = new ConcurrentHashMap<>();
  private final AtomicInteger turn = new AtomicInteger();

  /** The node's registry (one per Vert.x instance). */
  public static DirectServers of(Vertx vertx) {
    return (DirectServers) vertx.sharedData().getLocalMap("mlplatform.mcp")
        .computeIfAbsent("direct-servers", key -> new DirectServers());
  }

  /** Offers {@code server}'s direct answers for {@code address}, until the returned action is run. */
  public Runnable register(String address, Server server) {
    servers.computeIfAbsent(address, a -> new CopyOnWriteArrayList<>()).add(server);
    return () -> servers.computeIfPresent(address, (a, list) -> {
      list.remove(server);
      return list.isEmpty() ? null : list;
    });
  }

  /** One of the servers registered for {@code address}, in turn; null when there is none. */
  Server pick(String address) {
    List<Server> list = servers.get(address);
    if (list == null) {
      return null;
    }
    int size = list.size();
    if (size == 0) {
      return null;
    }
    try {
      return list.get(size == 1 ? 0 : Math.floorMod(turn.getAndIncrement(), size));
    } catch (IndexOutOfBoundsException removedMeanwhile) {
      return null;
    }
  }
}
