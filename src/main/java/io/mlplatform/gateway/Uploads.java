package io.mlplatform.gateway;

import io.mlplatform.formats.Inspection;
import io.mlplatform.formats.ParquetFiles;
import io.mlplatform.formats.TabularFiles;
import io.mlplatform.formats.TabularFormat;
import io.mlplatform.mcp.ErrorCode;
import io.mlplatform.mcp.McpException;
import io.mlplatform.storage.ObjectInputFile;
import io.mlplatform.storage.ObjectStore;
import io.mlplatform.storage.StoredObject;
import io.mlplatform.storage.StreamTap;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerFileUpload;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

import java.util.Locale;
import java.util.UUID;

/**
 * Receives a multipart upload and streams its one file (field "file") straight to the object store, never whole in
 * memory nor on local disk. Size and SHA-256 are computed on the way; for a tabular file the schema and row count
 * too, on a second reader of the same bytes. What fails leaves no object behind.
 */
final class Uploads {
  /** The stored file, what was read of it (tabular files only, else null) and the form's other fields. */
  record Received(StoredObject object, Inspection inspection, MultiMap form) {
  }

  private record Streams(Future<StoredObject> stored, Future<Inspection> inspected, TabularFormat format) {
  }

  private final ObjectStore store;
  private final long maxBytes;

  Uploads(ObjectStore store, long maxBytes) {
    this.store = store;
    this.maxBytes = maxBytes;
  }

  static boolean isMultipart(HttpServerRequest request) {
    String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
    return type != null && type.toLowerCase(Locale.ROOT).startsWith("multipart/form-data");
  }

  Future<Received> receive(RoutingContext ctx, String bucket, boolean tabular) {
    HttpServerRequest request = ctx.request();
    if (!isMultipart(request)) {
      return Future.failedFuture(McpException.invalid("expected multipart/form-data with the file in a 'file' field"));
    }
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length != null && length.chars().allMatch(Character::isDigit) && length.length() < 19
        && Long.parseLong(length) > maxBytes + 1_048_576) {
      return Future.failedFuture(new McpException(ErrorCode.PAYLOAD_TOO_LARGE,
          "the upload is larger than the limit of " + maxBytes + " bytes"));
    }
    Context context = Vertx.currentContext();
    Promise<Void> ended = Promise.promise();
    Promise<Streams> file = Promise.promise();
    // a second file is only known once the first is under way: the whole upload is refused when it ends
    boolean[] secondFile = {false};
    boolean[] fileSeen = {false};
    request.setExpectMultipart(true);
    request.uploadHandler(upload -> {
      if (!"file".equals(upload.name()) || fileSeen[0]) {
        if (fileSeen[0]) {
          secondFile[0] = true;
        } else {
          file.tryFail(McpException.invalidField(upload.name(), "unexpected file; send exactly one file, in 'file'"));
        }
        upload.handler(chunk -> { });
        return;
      }
      fileSeen[0] = true;
      // the form's fields ahead of the file are handed over only once the file's part has begun: read them (the
      // format) on the next turn of the event loop, the file's bytes held meanwhile
      upload.pause();
      context.runOnContext(v -> {
        try {
          Streams streams = stream(context, upload, request.formAttributes(), bucket, tabular);
          if (!file.tryComplete(streams)) {
            // the request failed meanwhile: what it stored is not kept
            streams.stored().onSuccess(store::remove);
          }
        } catch (McpException e) {
          upload.handler(chunk -> { });
          file.tryFail(e);
        }
        upload.resume();
      });
    });
    request.exceptionHandler(failure -> {
      ended.tryFail(failure);
      file.tryFail(failure);
    });
    request.endHandler(v -> {
      ended.tryComplete();
      if (!fileSeen[0]) {
        file.tryFail(McpException.invalidField("file", "is required"));
      }
    });
    request.resume();
    return file.future().compose(streams -> Future.join(streams.stored(), streams.inspected()).transform(done -> {
      if (streams.stored().succeeded() && streams.stored().result().size() == 0) {
        return store.remove(streams.stored().result())
            .transform(removed -> Future.failedFuture(McpException.invalidField("file", "the file is empty")));
      }
      if (done.succeeded()) {
        return ended.future().compose(v -> {
          McpException refused = secondFile[0]
              ? McpException.invalidField("file", "send exactly one file: the form holds more than one")
              : formatMismatch(request.formAttributes(), streams.format());
          return refused == null
              ? Future.succeededFuture(new Received(streams.stored().result(), streams.inspected().result(),
                  request.formAttributes()))
              : store.remove(streams.stored().result()).transform(removed -> Future.failedFuture(refused));
        });
      }
      Throwable cause = streams.inspected().failed() ? streams.inspected().cause() : streams.stored().cause();
      if (cause instanceof StreamTap.UploadFailedException upload && upload.getCause() != null) {
        cause = upload.getCause();
      }
      Throwable failure = cause;
      return streams.stored().succeeded()
          ? store.remove(streams.stored().result()).transform(removed -> Future.failedFuture(failure))
          : Future.failedFuture(failure);
    }));
  }

  private Streams stream(Context context, HttpServerFileUpload upload, MultiMap formSoFar, String bucket,
                         boolean tabular) {
    String filename = safeFilename(upload.filename());
    TabularFormat format = null;
    if (tabular) {
      format = formSoFar.contains("format")
          ? TabularFormat.fromName(formSoFar.get("format"))
          : TabularFormat.detect(filename, upload.contentType());
      if (format == null) {
        throw McpException.invalidField("format", "cannot tell the file's format: send format=csv, jsonl or parquet"
            + " before the file, or name it .csv, .jsonl or .parquet");
      }
    }
    String contentType = tabular ? format.contentType()
        : upload.contentType() == null ? "application/octet-stream" : upload.contentType();
    String key = UUID.randomUUID() + "/" + filename;
    // a Parquet file's schema is in its footer, at the end: it is read from the store once the file is there
    boolean streamed = tabular && format != TabularFormat.PARQUET;
    StreamTap tap = StreamTap.tap(context, upload, streamed ? 2 : 1, maxBytes);
    Future<StoredObject> stored = store.blocking(() -> store.putBlocking(bucket, key, tap.reader(0), contentType, filename));
    stored.onFailure(tap::fail);
    Future<Inspection> inspected = Future.succeededFuture();
    if (tabular && !streamed) {
      inspected = stored.compose(object -> object.size() == 0 ? Future.succeededFuture()
          : store.blocking(() -> ParquetFiles.inspect(new ObjectInputFile(store, object))));
    } else if (tabular) {
      TabularFormat readAs = format;
      inspected = store.blocking(() -> TabularFiles.inspect(tap.reader(1), readAs));
      inspected.onFailure(tap::fail);
    }
    return new Streams(stored, inspected, format);
  }

  /** A format field that names no format, or another than the file was read as (it came after the file), or null. */
  private static McpException formatMismatch(MultiMap form, TabularFormat used) {
    String named = form.get("format");
    if (used == null || named == null) {
      return null;
    }
    TabularFormat format = TabularFormat.fromName(named);
    if (format == null) {
      return McpException.invalidField("format", "must be csv, jsonl or parquet (got '" + named.replaceAll("[^ -~]", "?")
          + "')");
    }
    return format == used ? null : McpException.invalidField("format", "says " + named + " but the file was read as "
        + used.name().toLowerCase(Locale.ROOT) + ": send the format field before the file");
  }

  /** The client's file name reduced to a safe object-key segment. */
  static String safeFilename(String name) {
    if (name == null) {
      return "upload";
    }
    String base = name.substring(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1);
    String safe = base.replaceAll("[^A-Za-z0-9._-]", "_").replaceAll("\\.{2,}", ".");
    safe = safe.replaceFirst("^[._-]+", "");
    if (safe.length() > 100) {
      safe = safe.substring(safe.length() - 100);
    }
    return safe.isEmpty() ? "upload" : safe;
  }
}
