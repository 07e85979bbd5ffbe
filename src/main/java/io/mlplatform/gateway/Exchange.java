package io.mlplatform.gateway;

import io.mlplatform.mcp.Caller;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * One HTTP request being answered, as {@link Calls} and the prediction routes see it: a request vertx-web routed
 * ({@link #of}), or a prediction the {@link HotPath} took without it.
 */
interface Exchange {
  HttpServerRequest request();

  HttpServerResponse response();

  /** Who asks ({@link Authentication}). */
  Caller caller();

  /** Has {@code handler} run once the response has ended (or its connection closed first). */
  void onEnd(Handler<Void> handler);

  /** Answers with the error {@code failure} stands for ({@link Failures}). */
  void fail(Throwable failure);

  static Exchange of(RoutingContext ctx) {
    return new Routed(ctx);
  }

  /** A request vertx-web routed: its routing context holds the caller and renders failures. */
  record Routed(RoutingContext ctx) implements Exchange {
    @Override
    public HttpServerRequest request() {
      return ctx.request();
    }

    @Override
    public HttpServerResponse response() {
      return ctx.response();
    }

    @Override
    public Caller caller() {
      return Authentication.caller(ctx);
    }

    @Override
    public void onEnd(Handler<Void> handler) {
      ctx.addEndHandler(ended -> handler.handle(null));
    }

    @Override
    public void fail(Throwable failure) {
      ctx.fail(failure);
    }
  }
}
