package dev.seedstream.sse;

import io.netty.buffer.ByteBuf;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The data of one event, as the UTF-8 bytes it arrived in: fixed blocks of {@link BlockPool#BLOCK}
 * bytes (the last one partly filled), some of them off-heap blocks from a {@link BlockPool}. Whoever
 * holds it last calls {@link #release()}, which returns those blocks; reading afterwards throws rather
 * than reading another event's bytes. A second holder on another thread (the image store decoding an inline
 * image) takes a handle of its own with {@link #share()}: the blocks go back when every handle is released.
 * Read each handle from one thread at a time.
 */
public final class EventData {

  /** Bytes read at a time when scanning off-heap blocks: copied to a small heap window first. */
  private static final int SCAN_WINDOW = 16 * 1024;

  private final List<ByteBuffer> blocks;
  private final long size;
  private final BlockPool pool;
  /** Runs of base64 characters the parser noted: start and end pairs ({@link Base64Runs}). */
  private final long[] base64Runs;
  private final Holders holders;
  private boolean released;

  /** The handles that hold the blocks; guarded by itself, since handles are released on different threads. */
  private static final class Holders {
    private int count = 1;
  }

  EventData(List<ByteBuffer> blocks, long size, BlockPool pool, long[] base64Runs) {
    this(blocks, size, pool, base64Runs, new Holders());
  }

  private EventData(List<ByteBuffer> blocks, long size, BlockPool pool, long[] base64Runs, Holders holders) {
    this.blocks = blocks;
    this.size = size;
    this.pool = pool;
    this.base64Runs = base64Runs;
    this.holders = holders;
  }

  /**
   * Another handle on the same bytes, released on its own: the blocks stay until this one and every other
   * handle is released, so a reader on another thread never reads blocks given to another event. The blocks
   * are written before the event is handed on and never again, so handles may read them concurrently.
   */
  public EventData share() {
    synchronized (this) {
      if (released) {
        throw new IllegalStateException("event data shared after release");
      }
    }
    synchronized (holders) {
      holders.count++;
    }
    return new EventData(blocks, size, pool, base64Runs, holders);
  }

  /** Bytes on the heap, as they are; nothing to release. */
  public static EventData of(byte[] bytes) {
    List<ByteBuffer> blocks = new ArrayList<>();
    int at = 0;
    do {
      blocks.add(ByteBuffer.wrap(bytes, at, Math.min(BlockPool.BLOCK, bytes.length - at)).slice());
      at += BlockPool.BLOCK;
    } while (at < bytes.length);
    return new EventData(blocks, bytes.length, BlockPool.NONE, Base64Runs.NONE);
  }

  public long size() {
    return size;
  }

  /**
   * Copies {@code length} bytes from {@code index} into {@code target} at {@code offset}. Its own loop rather than
   * {@link #copyTo} through a wrapper: the JSON parser reads every event through here, and a wrapper and a
   * block view per read would be garbage on the relay's path for each small event.
   */
  public void copy(long index, byte[] target, int offset, int length) {
    check(index, length);
    while (length > 0) {
      ByteBuffer block = blocks.get(blockOf(index));
      int at = (int) (index - (long) blockOf(index) * BlockPool.BLOCK);
      int n = Math.min(length, block.limit() - at);
      block.get(at, target, offset, n);
      index += n;
      offset += n;
      length -= n;
    }
  }

  /**
   * Appends {@code length} bytes from {@code index} to {@code target}, block by block: no heap array between
   * the blocks and the target, which is how a large frame's slices reach direct memory for the socket.
   */
  public void copyTo(long index, ByteBuf target, int length) {
    check(index, length);
    while (length > 0) {
      ByteBuffer block = blocks.get(blockOf(index));
      int at = (int) (index - (long) blockOf(index) * BlockPool.BLOCK);
      int n = Math.min(length, block.limit() - at);
      target.writeBytes(block.slice(at, n));
      index += n;
      length -= n;
    }
  }

  public byte get(long index) {
    check(index, 1);
    return blocks.get(blockOf(index)).get((int) (index % BlockPool.BLOCK));
  }

  /**
   * The index of the first byte from {@code from} on that is not one of the 64 characters of standard
   * base64 (so not padding either), or {@code to} when there is none before it. A long run the parser noted
   * while the bytes arrived is answered without reading it; anything else is scanned.
   */
  public long endOfBase64Run(long from, long to) {
    check(from, 0);
    to = Math.min(to, size);
    for (int r = 0; r < base64Runs.length; r += 2) {
      if (base64Runs[r] <= from && from < base64Runs[r + 1]) {
        return Math.min(base64Runs[r + 1], to);
      }
    }
    long i = from;
    byte[] window = new byte[(int) Math.min(SCAN_WINDOW, Math.max(1, to - from))];
    // A table lookup per byte: the benchmark found a per-char range test over a multi-megabyte image to be
    // half of the gateway's CPU, and eight bytes at a time with bit arithmetic measured a third slower than
    // this loop, which the JIT unrolls.
    while (i < to) {
      int n = (int) Math.min(window.length, to - i);
      copy(i, window, 0, n);
      int j = 0;
      while (j < n && Base64Runs.CLASS[window[j] & 0xff] == Base64Runs.ALPHABET) {
        j++;
      }
      i += j;
      if (j < n) {
        break;
      }
    }
    return i;
  }

  /** The runs the parser noted, for tests. */
  long[] base64Runs() {
    return base64Runs.clone();
  }

  /** The bytes from the start, in order; reading it after {@link #release()} throws. */
  public Reader stream() {
    return new Reader();
  }

  /**
   * The bytes as a stream that can jump ahead: a JSON parser need not read an image that was already
   * checked. Offsets its reader reports count only the bytes it was given; {@link #eventOffset} turns
   * them back into the event's.
   */
  public final class Reader extends InputStream {

    private long at;
    private long skipped;

    private Reader() {
    }

    /** The event's index of the byte a reader of this stream counts as {@code readOffset}. */
    public long eventOffset(long readOffset) {
      return readOffset + skipped;
    }

    /** The next read starts at the event's byte {@code index}, unless the stream is already past it. */
    public void jumpTo(long index) {
      if (index > at) {
        skipped += index - at;
        at = index;
      }
    }

    @Override
    public int read() {
      return at < size ? get(at++) & 0xff : -1;
    }

    @Override
    public int read(byte[] target, int offset, int length) {
      if (length == 0) {
        return 0;
      }
      if (at >= size) {
        return -1;
      }
      int n = (int) Math.min(length, size - at);
      copy(at, target, offset, n);
      at += n;
      return n;
    }
  }

  /** The data as text; malformed UTF-8 becomes U+FFFD. */
  public String text() {
    byte[] bytes = new byte[Math.toIntExact(size)];
    copy(0, bytes, 0, bytes.length);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /** Gives this handle's hold back; the last handle released returns the pooled blocks. Idempotent. */
  public void release() {
    synchronized (this) {
      if (released) {
        return;
      }
      released = true;
    }
    synchronized (holders) {
      if (--holders.count > 0) {
        return;
      }
    }
    for (ByteBuffer block : blocks) {
      if (block.isDirect()) {
        pool.release(block);
      }
    }
  }

  private static int blockOf(long index) {
    return (int) (index / BlockPool.BLOCK);
  }

  private synchronized void check(long index, int length) {
    if (released) {
      throw new IllegalStateException("event data read after release");
    }
    if (index < 0 || length < 0 || index + length > size) {
      throw new IndexOutOfBoundsException("bytes " + index + ".." + (index + length) + " of " + size);
    }
  }
}
