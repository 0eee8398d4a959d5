package dev.seedstream.sse;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The data of one event, as the UTF-8 bytes it arrived in: fixed blocks of {@link BlockPool#BLOCK}
 * bytes (the last one partly filled), some of them off-heap blocks from a {@link BlockPool}. Whoever
 * holds it last calls {@link #release()}, which returns those blocks; reading afterwards throws rather
 * than reading another event's bytes. Read it from one thread at a time.
 */
public final class EventData {

  private final List<ByteBuffer> blocks;
  private final long size;
  private final BlockPool pool;
  private boolean released;

  EventData(List<ByteBuffer> blocks, long size, BlockPool pool) {
    this.blocks = blocks;
    this.size = size;
    this.pool = pool;
  }

  /** Bytes on the heap, as they are; nothing to release. */
  public static EventData of(byte[] bytes) {
    List<ByteBuffer> blocks = new ArrayList<>();
    int at = 0;
    do {
      blocks.add(ByteBuffer.wrap(bytes, at, Math.min(BlockPool.BLOCK, bytes.length - at)).slice());
      at += BlockPool.BLOCK;
    } while (at < bytes.length);
    return new EventData(blocks, bytes.length, BlockPool.NONE);
  }

  public long size() {
    return size;
  }

  /** Copies {@code length} bytes from {@code index} into {@code target} at {@code offset}. */
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

  public byte get(long index) {
    check(index, 1);
    return blocks.get(blockOf(index)).get((int) (index % BlockPool.BLOCK));
  }

  /** The bytes from the start, in order; reading it after {@link #release()} throws. */
  public InputStream stream() {
    return new InputStream() {
      private long at;

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
    };
  }

  /** The data as text; malformed UTF-8 becomes U+FFFD. */
  public String text() {
    byte[] bytes = new byte[Math.toIntExact(size)];
    copy(0, bytes, 0, bytes.length);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /** Returns the pooled blocks; idempotent. */
  public synchronized void release() {
    if (released) {
      return;
    }
    released = true;
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
