package io.mlplatform.execution.deployments;

import io.mlplatform.mcp.McpClient;
import io.mlplatform.node.Meters;
import io.mlplatform.runtime.LoadedModel;
import io.mlplatform.runtime.Serving;
import io.mlplatform.runtime.registry.ModelFormats;
import io.mlplatform.storage.ObjectStore;
import io.mlplatform.storage.StoredObject;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Makes this node hold the replicas that the desired state places on it: every second (and at once on a change) it
 * beats its heartbeat, reads the deployments and the live execution nodes, loads what is missing, switches versions
 * (the new replicas serve before the old ones stop) and reports each replica's status when it changed (unchanged
 * reports again every {@link #REFRESH_MILLIS}).
 */
public final class Reconciler {
  private static final Logger LOG = LoggerFactory.getLogger(Reconciler.class);
  static final long PERIOD_MILLIS = 1000;
  /** A node whose heartbeat is older than this is gone, and its replicas move. */
  static final long LIVE_WINDOW_MILLIS = 4000;
  /** A node silent this long is removed from the execution nodes (it is back at its next heartbeat). */
  static final long FORGET_NODE_MILLIS = 60_000;
  private static final long RETRY_FAILED_MILLIS = 15_000;
  /**
   * Unchanged reports are written again this often (a node whose heartbeat others missed has its reports removed by
   * them), and silent nodes forgotten this often: not every pass, whose writes would grow with the replicas.
   */
  static final long REFRESH_MILLIS = 10_000;

  /** This node's replicas of one lane of a deployment, all of one version, and how loading them went. */
  private static final class Slot {
    final String deployment;
    final Lane lane;
    int version;
    final List<Replica> replicas = new ArrayList<>();
    String status = "loading";
    String reason;
    long failedAt;
    boolean busy;
    int wanted;

    Slot(String deployment, Lane lane) {
      this.deployment = deployment;
      this.lane = lane;
    }
  }

  private final Vertx vertx;
  private final String nodeId;
  private final DeploymentStore store;
  private final McpClient client;
  private final ObjectStore objects;
  private final WorkerExecutor workers;
  private final WebClient web;
  private final Serving serving;
  /** By deployment and lane ({@link #key}). */
  private final Map<String, Slot> slots = new HashMap<>();
  /** Each deployment's prediction log on this node, shared by its replicas here (sample 0 when logging is off). */
  private final Map<String, PredictionLog> logs = new HashMap<>();
  private final Path artifactDir;
  private long timer = -1;
  private boolean running;
  private boolean again;
  /** The reports last written, and when (0: write at the next pass). */
  private List<JsonObject> reported;
  private long reportedAt;
  /** When the last pass began and when silent nodes were last forgotten. */
  private long passedAt;
  private long forgottenAt;

  public Reconciler(Vertx vertx, String nodeId, DeploymentStore store, McpClient client, ObjectStore objects)
      throws java.io.IOException {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.store = store;
    this.client = client;
    this.objects = objects;
    this.workers = vertx.createSharedWorkerExecutor("mlp-inference", 8);
    this.web = WebClient.create(vertx);
    this.serving = new Serving(workers, web, System.getenv());
    this.artifactDir = Files.createTempDirectory("mlp-models-");
  }

  public Future<Void> start() {
    return store.ensureIndexes().compose(v -> store.heartbeat(nodeId))
        .onSuccess(v -> timer = vertx.setPeriodic(PERIOD_MILLIS, id -> reconcileNow()));
  }

  /** Reconciles now, or right after the pass under way. */
  public void reconcileNow() {
    if (running) {
      again = true;
      return;
    }
    running = true;
    pass().onComplete(done -> {
      if (done.failed()) {
        LOG.warn("reconciling deployments failed: {}", done.cause().getMessage());
      }
      running = false;
      if (again) {
        again = false;
        reconcileNow();
      }
    });
  }

  private Future<Void> pass() {
    long now = System.currentTimeMillis();
    if (now - passedAt > LIVE_WINDOW_MILLIS / 2) {
      // this node may have been paused long enough for the others to count it gone and remove its reports
      reportedAt = 0;
    }
    passedAt = now;
    boolean forget = now - forgottenAt >= REFRESH_MILLIS;
    return store.heartbeat(nodeId)
        .compose(v -> store.liveNodes(LIVE_WINDOW_MILLIS))
        .compose(live -> store.forgetReportsOutside(live)
            .compose(v -> forget ? store.forgetNodesSilentFor(FORGET_NODE_MILLIS)
                .onSuccess(forgotten -> forgottenAt = now) : Future.<Void>succeededFuture())
            .compose(v -> store.all()).compose(deployments -> {
          Set<String> present = new HashSet<>();
          Set<String> names = new HashSet<>();
          List<Future<Void>> work = new ArrayList<>();
          for (JsonObject deployment : deployments) {
            String name = deployment.getString("name");
            names.add(name);
            log(deployment).configure(deployment.getJsonObject("logging"));
            for (Lane lane : Lane.of(deployment)) {
              present.add(key(name, lane));
              int mine = Placement.replicasOn(nodeId, lane.placementKey(name), deployment.getInteger("replicas", 1), live);
              work.add(ensure(deployment, lane, mine));
            }
          }
          for (Map.Entry<String, Slot> gone : new ArrayList<>(slots.entrySet())) {
            if (!present.contains(gone.getKey()) && !gone.getValue().busy) {
              slots.remove(gone.getKey());
              work.add(stopAll(gone.getValue().replicas));
            }
          }
          for (String name : new ArrayList<>(logs.keySet())) {
            if (!names.contains(name)) {
              PredictionLog log = logs.remove(name);
              work.add(log.roll().andThen(v -> log.removeMeters(Meters.of(vertx))));
            }
          }
          logs.values().forEach(PredictionLog::tick);
          return Future.join(work).transform(v -> report());
        }));
  }

  private PredictionLog log(JsonObject deployment) {
    return logs.computeIfAbsent(deployment.getString("name"), name -> new PredictionLog(name,
        deployment.getString("model"), nodeId, objects, client::hub, Meters.of(vertx)));
  }

  private static String key(String deployment, Lane lane) {
    return deployment + " " + lane.id();
  }

  /** Brings this node's replicas of one lane of a deployment to {@code count} replicas of the version it names. */
  private Future<Void> ensure(JsonObject deployment, Lane lane, int count) {
    String name = key(deployment.getString("name"), lane);
    Slot slot = slots.get(name);
    if (slot != null && slot.busy) {
      return Future.succeededFuture();
    }
    if (count == 0) {
      if (slot == null) {
        return Future.succeededFuture();
      }
      slots.remove(name);
      return stopAll(slot.replicas);
    }
    return resolve(deployment, lane).compose(version -> {
      int number = version.getInteger("version");
      Slot current = slots.get(name);
      if (current != null && current.version == number && current.replicas.size() == count
          && "ready".equals(current.status)) {
        return Future.succeededFuture();
      }
      if (current != null && current.version == number && "failed".equals(current.status)
          && System.currentTimeMillis() - current.failedAt < RETRY_FAILED_MILLIS) {
        return Future.succeededFuture();
      }
      if (current != null && current.version == number && "ready".equals(current.status)) {
        return resize(current, deployment, version, count);
      }
      return replace(name, lane, current, deployment, version, count);
    }, failure -> {
      Slot failed = slots.computeIfAbsent(name, n -> new Slot(deployment.getString("name"), lane));
      failed.status = "failed";
      failed.reason = failure.getMessage();
      failed.failedAt = System.currentTimeMillis();
      failed.wanted = count;
      return Future.succeededFuture();
    });
  }

  /** Loads {@code count} replicas of a new version; once they serve, the old ones stop. */
  private Future<Void> replace(String name, Lane lane, Slot old, JsonObject deployment, JsonObject version, int count) {
    Slot next = new Slot(deployment.getString("name"), lane);
    next.version = version.getInteger("version");
    next.busy = true;
    next.wanted = count;
    if (old == null || old.replicas.isEmpty()) {
      slots.put(name, next);
    }
    return loadReplicas(deployment, lane, version, 0, count).compose(loaded -> {
      next.replicas.addAll(loaded);
      next.status = "ready";
      next.busy = false;
      slots.put(name, next);
      return old == null ? Future.<Void>succeededFuture() : stopAll(old.replicas);
    }, failure -> {
      LOG.warn("deployment {}: loading version {} failed: {}", name, next.version, failure.getMessage());
      next.busy = false;
      if (old != null && !old.replicas.isEmpty()) {
        // keep serving the old version; say why the new one is not there
        old.reason = "version " + next.version + " failed to load: " + failure.getMessage();
        old.failedAt = System.currentTimeMillis();
        return Future.succeededFuture();
      }
      next.status = "failed";
      next.reason = failure.getMessage();
      next.failedAt = System.currentTimeMillis();
      slots.put(name, next);
      return Future.succeededFuture();
    });
  }

  private Future<Void> resize(Slot slot, JsonObject deployment, JsonObject version, int count) {
    int have = slot.replicas.size();
    if (count < have) {
      List<Replica> extra = new ArrayList<>(slot.replicas.subList(count, have));
      slot.replicas.removeAll(extra);
      slot.wanted = count;
      return stopAll(extra);
    }
    slot.busy = true;
    slot.wanted = count;
    return loadReplicas(deployment, slot.lane, version, have, count - have).transform(outcome -> {
      slot.busy = false;
      if (outcome.succeeded()) {
        slot.replicas.addAll(outcome.result());
      } else {
        slot.reason = outcome.cause().getMessage();
      }
      return Future.succeededFuture();
    });
  }

  private Future<List<Replica>> loadReplicas(JsonObject deployment, Lane lane, JsonObject registered, int firstIndex,
                                             int count) {
    JsonObject version = ModelFormats.served(registered);
    return artifactFile(version).compose(file -> {
      List<Future<Replica>> replicas = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        int index = firstIndex + i;
        replicas.add(workers.<LoadedModel>executeBlocking(() -> ModelFormats.load(version, file, serving), false)
            .compose(model -> {
              Replica replica = new Replica(vertx, deployment, lane, version.getInteger("version"), index, model,
                  log(deployment));
              return replica.serve(nodeId).map(replica);
            }));
      }
      return Future.all(replicas).map(all -> replicas.stream().map(Future::result).toList());
    });
  }

  /** The version's artifact on local disk (downloaded once per node), or null for formats without one. */
  private Future<Path> artifactFile(JsonObject version) {
    JsonObject artifact = version.getJsonObject("artifact");
    if (artifact == null) {
      return Future.succeededFuture(null);
    }
    StoredObject object = StoredObject.fromJson(artifact);
    Path file = artifactDir.resolve(object.sha256() + "." + version.getString("format"));
    return objects.blocking(() -> {
      if (!Files.exists(file)) {
        Path partial = Files.createTempFile(artifactDir, "download", ".part");
        try (InputStream in = objects.openBlocking(object.bucket(), object.key())) {
          Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      }
      return file;
    });
  }

  /** The registry's version that a lane names now (following aliases and "latest"). */
  private Future<JsonObject> resolve(JsonObject deployment, Lane lane) {
    JsonObject payload = new JsonObject().put("name", deployment.getString("model")).put("version", lane.ref());
    return client.hub("model.version.get", payload);
  }

  private Future<Void> report() {
    List<JsonObject> reports = new ArrayList<>();
    slots.values().forEach(slot -> {
      int shown = Math.max(slot.wanted, slot.replicas.size());
      for (int i = 0; i < shown; i++) {
        boolean serving = i < slot.replicas.size();
        JsonObject report = new JsonObject().put("deployment", slot.deployment).put("lane", slot.lane.id()).put("index", i)
            .put("version", serving ? slot.replicas.get(i).version() : slot.version)
            .put("status", serving ? "ready" : slot.busy ? "loading" : slot.status);
        if (slot.reason != null) {
          report.put("reason", slot.reason);
        }
        reports.add(report);
      }
    });
    long now = System.currentTimeMillis();
    if (reports.equals(reported) && now - reportedAt < REFRESH_MILLIS) {
      return Future.succeededFuture();
    }
    return store.report(nodeId, reports).onSuccess(v -> {
      reported = reports;
      reportedAt = now;
    });
  }

  private Future<Void> stopAll(Collection<Replica> replicas) {
    return Future.join(replicas.stream().map(Replica::stop).toList()).mapEmpty();
  }

  /** Leaves: stops the timer, says so in the store (the others take over at once), stops every replica. */
  public Future<Void> stop() {
    vertx.cancelTimer(timer);
    List<Replica> all = new ArrayList<>();
    slots.values().forEach(slot -> all.addAll(slot.replicas));
    slots.clear();
    List<PredictionLog> rolled = new ArrayList<>(logs.values());
    logs.clear();
    return store.leave(nodeId).otherwiseEmpty().compose(v -> stopAll(all))
        .compose(v -> Future.join(rolled.stream().map(PredictionLog::roll).toList()).<Void>mapEmpty()).andThen(v -> {
      web.close();
      try (var files = Files.list(artifactDir)) {
        for (Path file : files.toList()) {
          Files.deleteIfExists(file);
        }
        Files.deleteIfExists(artifactDir);
      } catch (java.io.IOException e) {
        LOG.debug("could not clean {}", artifactDir, e);
      }
    });
  }
}
