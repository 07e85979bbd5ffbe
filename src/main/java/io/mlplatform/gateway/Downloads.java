package io.mlplatform.gateway;

import io.mlplatform.storage.ObjectStore;
import io.mlplatform.storage.StoredObject;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/** Streams an object from the store to the HTTP response, a chunk at a time, waiting while the client is slow. */
final class Downloads {
  private static final int CHUNK = 256 * 1024;
  private static final long STALL_SECONDS = 120;

  private final ObjectStore store;

  Downloads(ObjectStore store) {
    this.store = store;
  }

  void send(RoutingContext ctx, StoredObject object) {
    HttpServerResponse response = ctx.response();
    Context context = Vertx.currentContext();
    AtomicReference<CompletableFuture<Void>> room = new AtomicReference<>();
    response.closeHandler(v -> {
      CompletableFuture<Void> waiting = room.get();
      if (waiting != null) {
        waiting.complete(null);
      }
    });
    response.putHeader(HttpHeaders.CONTENT_TYPE, object.contentType() == null ? "application/octet-stream" : object.contentType())
        .putHeader(HttpHeaders.CONTENT_LENGTH, Long.toString(object.size()))
        .putHeader("Content-Disposition", "attachment; filename=\"" + object.filename() + "\"");
    store.blocking(() -> {
      try (InputStream in = store.openBlocking(object.bucket(), object.key())) {
        byte[] chunk = new byte[CHUNK];
        int n;
        while ((n = in.readNBytes(chunk, 0, CHUNK)) > 0) {
          if (response.closed()) {
            return null;
          }
          waitForRoom(context, response, room);
          response.write(Buffer.buffer(n).appendBytes(chunk, 0, n));
        }
      }
      response.end();
      return null;
    }).onFailure(ctx::fail);
  }

  private static void waitForRoom(Context context, HttpServerResponse response,
                                  AtomicReference<CompletableFuture<Void>> room) throws Exception {
    if (!response.writeQueueFull()) {
      return;
    }
    CompletableFuture<Void> drained = new CompletableFuture<>();
    room.set(drained);
    context.runOnContext(v -> {
      if (response.writeQueueFull() && !response.closed()) {
        response.drainHandler(x -> drained.complete(null));
      } else {
        drained.complete(null);
      }
    });
    try {
      drained.get(STALL_SECONDS, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IOException("the client stopped reading for " + STALL_SECONDS + " s");
    }
  }
}
