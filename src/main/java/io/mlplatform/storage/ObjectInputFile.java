package io.mlplatform.storage;

import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * An object of the store as a Parquet {@link InputFile}: seeks become ranged GETs, so reading a footer or the first
 * row group of a large file fetches only those bytes (blocking: use it on a worker thread).
 */
public final class ObjectInputFile implements InputFile {
  /** Small reads (footers, page headers) are served from one ranged GET of at least this many bytes. */
  private static final int WINDOW = 1 << 20;

  private final ObjectStore store;
  private final StoredObject object;

  public ObjectInputFile(ObjectStore store, StoredObject object) {
    this.store = store;
    this.object = object;
  }

  @Override
  public long getLength() {
    return object.size();
  }

  @Override
  public SeekableInputStream newStream() {
    return new Ranged();
  }

  private final class Ranged extends SeekableInputStream {
    private long position;
    private byte[] window = new byte[0];
    private long windowStart;

    @Override
    public long getPos() {
      return position;
    }

    @Override
    public void seek(long newPosition) {
      position = newPosition;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] bytes, int offset, int length) throws IOException {
      long left = getLength() - position;
      if (left <= 0) {
        return length == 0 ? 0 : -1;
      }
      int n = (int) Math.min(length, left);
      copy(bytes, offset, n);
      return n;
    }

    @Override
    public void readFully(byte[] bytes) throws IOException {
      readFully(bytes, 0, bytes.length);
    }

    @Override
    public void readFully(byte[] bytes, int offset, int length) throws IOException {
      if (position + length > getLength()) {
        throw new EOFException("reading " + length + " bytes at " + position + " of " + getLength());
      }
      copy(bytes, offset, length);
    }

    @Override
    public int read(ByteBuffer buffer) throws IOException {
      int length = buffer.remaining();
      byte[] bytes = new byte[length];
      int n = read(bytes, 0, length);
      if (n > 0) {
        buffer.put(bytes, 0, n);
      }
      return n;
    }

    @Override
    public void readFully(ByteBuffer buffer) throws IOException {
      byte[] bytes = new byte[buffer.remaining()];
      readFully(bytes);
      buffer.put(bytes);
    }

    /** Copies bytes at the position (known to exist) from the window, or from a new ranged GET. */
    private void copy(byte[] bytes, int offset, int length) throws IOException {
      if (position < windowStart || position + length > windowStart + window.length) {
        long fetch = Math.min(Math.max(length, WINDOW), getLength() - position);
        if (fetch > Integer.MAX_VALUE - 8) {
          throw new IOException("a read of " + fetch + " bytes at once is too large");
        }
        try (InputStream in = store.openRangeBlocking(object.bucket(), object.key(), position, fetch)) {
          window = in.readNBytes((int) fetch);
        } catch (IOException e) {
          throw e;
        } catch (Exception e) {
          throw new IOException("reading " + object.bucket() + "/" + object.key() + ": " + e.getMessage(), e);
        }
        windowStart = position;
        if (window.length < length) {
          throw new EOFException("the object ended after " + window.length + " of " + length + " bytes");
        }
      }
      System.arraycopy(window, (int) (position - windowStart), bytes, offset, length);
      position += length;
    }
  }
}
