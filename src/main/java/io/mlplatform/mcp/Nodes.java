package io.mlplatform.mcp;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.core.spi.cluster.RegistrationInfo;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.HashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * This node's view of the cluster, for sending a request to one chosen node and knowing when that node is gone.
 * <p>
 * A server consumes at its shared address (how others find it: the cluster's registrations of that address) and at
 * its direct address on this node (where requests sent to it alone arrive). A client picks a node among those
 * serving the shared address and sends to that node's direct address, so it knows whom it waits for: when Hazelcast
 * drops that member, the wait ends there and then. A node that leaves withdraws its shared registrations first and
 * keeps answering at its direct addresses for a moment, so requests already routed to it are answered, not lost.
 */
public final class Nodes {
  /** How long a list of the nodes serving an address is used before it is asked anew of the cluster. */
  static final long CACHE_MILLIS = 1000;
  /** How long a withdrawn server still answers at its direct address: every cached list has seen it go by then. */
  public static final long WITHDRAW_GRACE_MILLIS = CACHE_MILLIS + 1000;
  private static final Map<Vertx, Nodes> BY_VERTX = new HashMap<>();

  private final Vertx vertx;
  private final ClusterManager cluster;
  private final Map<String, Serving> serving = new ConcurrentHashMap<>();
  private final Set<String> fetching = ConcurrentHashMap.newKeySet();
  private final Set<String> present = ConcurrentHashMap.newKeySet();
  /** Nodes that missed an attempt deadline lately, and until when (System.nanoTime) every client here tries them last. */
  private final Map<String, Long> suspects = new ConcurrentHashMap<>();
  private final List<Consumer<String>> leaveListeners = new CopyOnWriteArrayList<>();
  private final List<MessageConsumer<?>> shared = new CopyOnWriteArrayList<>();
  private volatile boolean withdrawn;

  private record Serving(List<String> nodes, long fetchedAt) {
  }

  private Nodes(Vertx vertx) {
    this.vertx = vertx;
    this.cluster = vertx.isClustered() ? ((VertxInternal) vertx).clusterManager() : null;
    if (cluster instanceof HazelcastClusterManager hazelcast) {
      present.addAll(cluster.getNodes());
      hazelcast.getHazelcastInstance().getCluster().addMembershipListener(new MembershipListener() {
        @Override
        public void memberAdded(MembershipEvent event) {
          membersChanged();
        }

        @Override
        public void memberRemoved(MembershipEvent event) {
          membersChanged();
        }
      });
    }
  }

  /** The view of the node {@code vertx} runs. */
  public static Nodes of(Vertx vertx) {
    synchronized (BY_VERTX) {
      return BY_VERTX.computeIfAbsent(vertx, Nodes::new);
    }
  }

  /** Forgets the view of a closed node. */
  public static void release(Vertx vertx) {
    synchronized (BY_VERTX) {
      BY_VERTX.remove(vertx);
    }
  }

  public boolean clustered() {
    return cluster != null;
  }

  /** The cluster's id of this node (Vert.x's, stable for the life of the process), "local" when not clustered. */
  public String self() {
    return cluster == null ? "local" : cluster.getNodeId();
  }

  /** Where the consumer of {@code address} on {@code node} takes the requests sent to it alone. */
  public static String direct(String address, String node) {
    return address + "@" + node;
  }

  /**
   * The nodes serving {@code address}, once per consumer (a node with two consumers is listed twice, so it gets
   * twice the share), without those known to have left. A list older than a second is still answered while a fresh
   * one is fetched: when a member goes, the cluster's registrations may take seconds to answer (their partitions
   * move), and no request should wait for that.
   */
  public Future<List<String>> serving(String address) {
    Serving cached = serving.get(address);
    if (cached == null) {
      return fetch(address);
    }
    List<String> nodes = cached.nodes().stream().filter(present::contains).toList();
    if (nodes.isEmpty()) {
      return fetch(address);   // nothing left of the list: ask, rather than answer that no one serves
    }
    if (System.nanoTime() - cached.fetchedAt() > CACHE_MILLIS * 1_000_000 && fetching.add(address)) {
      fetch(address).onComplete(done -> fetching.remove(address));
    }
    return Future.succeededFuture(nodes);
  }

  private Future<List<String>> fetch(String address) {
    Promise<List<RegistrationInfo>> registrations = Promise.promise();
    cluster.getRegistrations(address, registrations);
    return registrations.future().map(list -> {
      List<String> nodes = list.stream().filter(r -> !r.localOnly()).map(RegistrationInfo::nodeId)
          .filter(present::contains).toList();
      serving.put(address, new Serving(nodes, System.nanoTime()));
      return nodes;
    });
  }

  /**
   * Marks {@code node} as slow for {@code millis}: every client of this Vert.x tries it last meanwhile (the hub's
   * clients as well as the gateway's, so a hedged read does not meet the same node one hop further).
   */
  public void suspect(String node, long millis) {
    suspects.put(node, System.nanoTime() + millis * 1_000_000);
  }

  public boolean suspected(String node) {
    Long until = suspects.get(node);
    return until != null && until - System.nanoTime() > 0;
  }

  /** Calls {@code listener} with the id of every node that leaves the cluster (on a Hazelcast thread). */
  public void onLeft(Consumer<String> listener) {
    leaveListeners.add(listener);
  }

  /**
   * Consumes at {@code address} and, in a cluster, at this node's direct address of it. The binding's shared part is
   * withdrawn when the node leaves ({@link #withdraw()}).
   */
  public <T> Future<Binding> consume(String address, Handler<Message<T>> handler) {
    MessageConsumer<T> anyone = vertx.eventBus().consumer(address, handler);
    if (cluster == null) {
      return anyone.completion().map(v -> new Binding(this, anyone, null));
    }
    MessageConsumer<T> alone = vertx.eventBus().consumer(direct(address, self()), handler);
    shared.add(anyone);
    return Future.all(anyone.completion(), alone.completion()).map(v -> new Binding(this, anyone, alone));
  }

  /** Withdraws every shared registration of this node: others stop routing here; direct addresses still answer. */
  public Future<Void> withdraw() {
    withdrawn = true;
    List<Future<Void>> withdrawn = shared.stream().map(MessageConsumer::unregister).toList();
    shared.clear();
    return Future.join(withdrawn).mapEmpty();
  }

  Vertx vertx() {
    return vertx;
  }

  void forget(MessageConsumer<?> consumer) {
    shared.remove(consumer);
  }

  private void membersChanged() {
    Set<String> now = Set.copyOf(cluster.getNodes());
    List<String> gone = present.stream().filter(node -> !now.contains(node)).toList();
    present.retainAll(now);
    present.addAll(now);
    for (String node : gone) {
      suspects.remove(node);
      leaveListeners.forEach(listener -> listener.accept(node));
    }
  }

  /** A server's consumers of one address: the shared one, and (in a cluster) this node's direct one. */
  public static final class Binding {
    private final Nodes nodes;
    private final MessageConsumer<?> anyone;
    private final MessageConsumer<?> alone;

    private Binding(Nodes nodes, MessageConsumer<?> anyone, MessageConsumer<?> alone) {
      this.nodes = nodes;
      this.anyone = anyone;
      this.alone = alone;
    }

    /**
     * Stops taking requests: first no one routes here any more, then (after the grace, in a cluster) the direct
     * address goes too; completes when both are gone.
     */
    public Future<Void> unregister() {
      nodes.forget(anyone);
      Future<Void> withdrawn = anyone.unregister();
      if (alone == null || nodes.withdrawn) {
        // not clustered, or the node withdrew everything and waited already: no one routes here any more
        return withdrawn.compose(v -> alone == null ? Future.succeededFuture() : alone.unregister());
      }
      Promise<Void> later = Promise.promise();
      withdrawn.onComplete(v -> nodes.vertx().setTimer(WITHDRAW_GRACE_MILLIS, id -> later.complete()));
      return later.future().compose(v -> alone.unregister());
    }
  }
}
