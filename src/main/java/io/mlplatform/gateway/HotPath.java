package io.mlplatform.gateway;

import io.mlplatform.mcp.Caller;
import io.mlplatform.mcp.McpException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;

import java.util.Arrays;

/**
 * The gateway's request handler: predictions, which take most requests, are answered without vertx-web's routing
 * context, handler chain and body handler; every other request goes to the router. What the router's front handlers
 * do to each request is done here in line by the same code: timed for the meters ({@link RequestMetrics}), its origin
 * and content type checked ({@link CrossSite}), its caller known ({@link Authentication}), its body read within the
 * JSON limit (and {@code Expect: 100-continue} answered), its failure answered ({@link Failures}). A prediction whose
 * path holds an escape or a dot segment, or whose body is multipart, goes to the router too, whose contract has the
 * same operations and which decodes, refuses or answers it like any route.
 */
final class HotPath implements Handler<HttpServerRequest> {
  private static final int FIRST_READ_BYTES = 64 * 1024;
  private final Router router;
  private final RequestMetrics.Recorder metrics;
  private final CrossSite crossSite;
  private final Authentication authentication;
  private final InferenceRoutes inference;
  private final long maxBodyBytes;

  HotPath(Router router, RequestMetrics.Recorder metrics, CrossSite crossSite, Authentication authentication,
          InferenceRoutes inference, long maxBodyBytes) {
    this.router = router;
    this.metrics = metrics;
    this.crossSite = crossSite;
    this.authentication = authentication;
    this.inference = inference;
    this.maxBodyBytes = maxBodyBytes;
  }

  @Override
  public void handle(HttpServerRequest request) {
    InferenceRoutes.Target target = request.method() == HttpMethod.POST ? InferenceRoutes.target(request.path())
        : null;
    if (target == null || Uploads.isMultipart(request)) {
      router.handle(request);
      return;
    }
    new Prediction(request, target).start();
  }

  /** One prediction, from its request's head to its response's end. */
  private final class Prediction implements Exchange {
    private final HttpServerRequest request;
    private final InferenceRoutes.Target target;
    private final long start = System.nanoTime();
    private Caller caller;
    /** The Content-Length the request declares, -1 when none. */
    private long declared;
    private byte[] body;
    private int length;
    private boolean failed;
    private boolean ended;
    private Handler<Void> onEnd;

    Prediction(HttpServerRequest request, InferenceRoutes.Target target) {
      this.request = request;
      this.target = target;
    }

    void start() {
      HttpServerResponse response = request.response();
      response.endHandler(v -> ended());
      response.closeHandler(v -> ended());
      try {
        McpException refusal = crossSite.refusal(request, response);
        if (refusal != null) {
          fail(refusal);
          return;
        }
        Future<Caller> known = authentication.callerOf(request);
        declared = declaredLength();
        if (declared > maxBodyBytes) {
          tooLarge();
          return;
        }
        if (known.succeeded()) {
          caller = known.result();
          read();
          return;
        }
        // the key is looked up: the body waits
        request.pause();
        known.onComplete(found -> {
          if (found.failed()) {
            fail(found.cause());
            return;
          }
          caller = found.result();
          read();
          request.resume();
        });
      } catch (RuntimeException e) {
        fail(e);
      }
    }

    /** Reads the body, then has the prediction answered; a body over the limit is refused as soon as it is. */
    private void read() {
      if (!expectationMet()) {
        return;
      }
      // sized by the declared length, up to a bound: a caller may declare more than it sends
      body = new byte[declared > 0 ? (int) Math.min(declared, FIRST_READ_BYTES) : 256];
      request.handler(chunk -> {
        int size = chunk.length();
        if (failed) {
          return;
        }
        if (length + size > maxBodyBytes) {
          tooLarge();
          return;
        }
        if (length + size > body.length) {
          body = Arrays.copyOf(body, (int) Math.min(maxBodyBytes, Math.max(2L * body.length, length + size)));
        }
        chunk.getBytes(0, size, body, length);
        length += size;
      });
      request.exceptionHandler(this::fail);
      request.endHandler(v -> {
        if (failed) {
          return;
        }
        try {
          inference.forward(this, target, body, length);
        } catch (RuntimeException e) {
          fail(e);
        }
      });
    }

    /**
     * Answers {@code Expect: 100-continue} (curl sends it with bodies over 1 KiB, then waits for it) and refuses any
     * other expectation (417 in vertx-web's body handler, which the router's requests go through: a 400 naming the one
     * allowed in {@link Failures}).
     */
    private boolean expectationMet() {
      String expect = request.getHeader(HttpHeaders.EXPECT);
      if (expect == null) {
        return true;
      }
      if (!"100-continue".equalsIgnoreCase(expect)) {
        failed = true;
        Failures.render(request, request.response(), null, 417);
        return false;
      }
      // an HTTP/1.0 client's expectation is ignored
      if (request.version() != HttpVersion.HTTP_1_0) {
        request.response().writeContinue();
      }
      return true;
    }

    private long declaredLength() {
      String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
      try {
        return length == null ? -1 : Long.parseLong(length.trim());
      } catch (NumberFormatException e) {
        return -1;
      }
    }

    private void tooLarge() {
      failed = true;
      Failures.render(request, request.response(), null, 413);
    }

    private void ended() {
      if (ended) {
        return;
      }
      ended = true;
      metrics.predicted(target.route(), target.name(), request.response().getStatusCode(), System.nanoTime() - start);
      if (onEnd != null) {
        onEnd.handle(null);
      }
    }

    @Override
    public HttpServerRequest request() {
      return request;
    }

    @Override
    public HttpServerResponse response() {
      return request.response();
    }

    @Override
    public Caller caller() {
      return caller;
    }

    @Override
    public void onEnd(Handler<Void> handler) {
      Handler<Void> before = onEnd;
      onEnd = before == null ? handler : v -> {
        before.handle(v);
        handler.handle(v);
      };
    }

    @Override
    public void fail(Throwable failure) {
      failed = true;
      Failures.render(request, request.response(), failure, -1);
    }
  }
}
