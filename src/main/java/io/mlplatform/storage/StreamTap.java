package io.mlplatform.storage;

import io.mlplatform.mcp.ErrorCode;
import io.mlplatform.mcp.McpException;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Hands a Vert.x stream (an HTTP upload) to blocking readers on worker threads, each reader getting every byte
 * through its own InputStream. The source is paused while any reader lags by more than a few MB, so memory stays
 * bounded whatever the upload's size; it fails with payload_too_large past {@code maxBytes}.
 */
public final class StreamTap {
  private static final long HIGH_WATER = 8L * 1024 * 1024;
  private static final long LOW_WATER = 2L * 1024 * 1024;
  private static final long IDLE_TIMEOUT_SECONDS = 120;
  private static final Object END = new Object();

  private final Context context;
  private final ReadStream<Buffer> source;
  private final long maxBytes;
  private final List<Reader> readers = new ArrayList<>();
  private long total;
  private volatile boolean paused;
  private boolean finished;

  private StreamTap(Context context, ReadStream<Buffer> source, int readerCount, long maxBytes) {
    this.context = context;
    this.source = source;
    this.maxBytes = maxBytes;
    for (int i = 0; i < readerCount; i++) {
      readers.add(new Reader());
    }
  }

  /** Taps {@code source}, which must be read from {@code context}; call it where the source was handed over. */
  public static StreamTap tap(Context context, ReadStream<Buffer> source, int readerCount, long maxBytes) {
    StreamTap tap = new StreamTap(context, source, readerCount, maxBytes);
    source.handler(tap::onChunk);
    source.endHandler(v -> tap.finish(END));
    source.exceptionHandler(t -> tap.finish(t));
    return tap;
  }

  public InputStream reader(int index) {
    return readers.get(index);
  }

  /** Ends every reader with this failure (e.g. one reader found the content invalid): the others stop too. */
  public void fail(Throwable failure) {
    context.runOnContext(v -> finish(failure));
  }

  private void onChunk(Buffer chunk) {
    if (finished) {
      return;
    }
    total += chunk.length();
    if (total > maxBytes) {
      finish(new McpException(ErrorCode.PAYLOAD_TOO_LARGE, "the upload is larger than the limit of " + maxBytes + " bytes"));
      return;
    }
    byte[] bytes = chunk.getBytes();
    boolean lagging = false;
    for (Reader reader : readers) {
      reader.offer(bytes);
      lagging |= reader.queued.get() > HIGH_WATER;
    }
    if (lagging && !paused) {
      paused = true;
      source.pause();
    }
  }

  private void finish(Object last) {
    if (finished) {
      return;
    }
    finished = true;
    for (Reader reader : readers) {
      reader.queue.add(last);
    }
    if (last != END) {
      // Stop taking the failed upload's bytes; the connection is answered and closed by the caller.
      source.pause();
    }
  }

  private void maybeResume() {
    if (paused && !finished && readers.stream().allMatch(r -> r.queued.get() < LOW_WATER)) {
      paused = false;
      source.resume();
    }
  }

  private final class Reader extends InputStream {
    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final AtomicLong queued = new AtomicLong();
    private byte[] current = new byte[0];
    private int position;
    private boolean ended;

    void offer(byte[] bytes) {
      queued.addAndGet(bytes.length);
      queue.add(bytes);
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      if (length == 0) {
        return 0;
      }
      while (position == current.length) {
        if (ended) {
          return -1;
        }
        Object next;
        try {
          next = queue.poll(IDLE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while waiting for upload bytes");
        }
        if (next == null) {
          throw new IOException("the upload stalled for " + IDLE_TIMEOUT_SECONDS + " s");
        }
        if (next == END) {
          ended = true;
          return -1;
        }
        if (next instanceof Throwable failure) {
          ended = true;
          throw new UploadFailedException(failure);
        }
        current = (byte[]) next;
        position = 0;
        if (queued.addAndGet(-current.length) < LOW_WATER && paused) {
          context.runOnContext(v -> maybeResume());
        }
      }
      int n = Math.min(length, current.length - position);
      System.arraycopy(current, position, buffer, offset, n);
      position += n;
      return n;
    }
  }

  /** What a reader throws when the upload failed; {@link #getCause()} is the failure (e.g. an McpException). */
  public static final class UploadFailedException extends IOException {
    UploadFailedException(Throwable cause) {
      super(cause.getMessage(), cause);
    }
  }
}
