package dev.seedstream.sse;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Bytes appended chunk by chunk, up to a hard limit, in blocks of {@link BlockPool#BLOCK} bytes. The
 * first block is a heap array that doubles from a small start, so short values cost little; once it is
 * full, further blocks come from the {@link BlockPool} (or the heap when the pool is spent) and are never
 * copied again: a multi-megabyte line costs one copy in, and {@link #handOff} gives the blocks away.
 */
final class ByteAccumulator {

  private static final int INITIAL_CAPACITY = 256;
  /** An idle stream keeps at most this much after a large event. */
  private static final int RETAINED_CAPACITY = 16 * 1024;

  private final int limit;
  private final BlockPool pool;
  private byte[] first = new byte[INITIAL_CAPACITY];
  /** Blocks after {@code first}, the last one being filled; empty while everything fits in {@code first}. */
  private final List<ByteBuffer> more = new ArrayList<>();
  private int size;
  private final byte[] oneByte = new byte[1];

  ByteAccumulator(int limit, BlockPool pool) {
    this.limit = limit;
    this.pool = pool;
  }

  int size() {
    return size;
  }

  void append(byte b) {
    oneByte[0] = b;
    append(oneByte, 0, 1);
  }

  void append(byte[] source, int offset, int length) {
    if ((long) size + length > limit) {
      throw new IllegalStateException("accumulator limit " + limit + " exceeded");
    }
    while (length > 0) {
      int n = more.isEmpty() && size < BlockPool.BLOCK
        ? intoFirst(source, offset, length) : intoBlock(source, offset, length);
      size += n;
      offset += n;
      length -= n;
    }
  }

  private int intoFirst(byte[] source, int offset, int length) {
    if (size == first.length) {
      first = Arrays.copyOf(first, Math.min(first.length * 2, BlockPool.BLOCK));
    }
    int n = Math.min(length, first.length - size);
    System.arraycopy(source, offset, first, size, n);
    return n;
  }

  private int intoBlock(byte[] source, int offset, int length) {
    if (more.isEmpty() || !more.get(more.size() - 1).hasRemaining()) {
      ByteBuffer block = pool.acquire();
      more.add(block != null ? block : ByteBuffer.allocate(BlockPool.BLOCK));
    }
    ByteBuffer block = more.get(more.size() - 1);
    int n = Math.min(length, block.remaining());
    block.put(source, offset, n);
    return n;
  }

  /** Scans the bytes where they lie: a field line may be as long as the limit, and a copy would double it. */
  boolean contains(byte b) {
    for (int i = 0, n = Math.min(size, first.length); i < n; i++) {
      if (first[i] == b) {
        return true;
      }
    }
    for (ByteBuffer block : more) {
      for (int i = 0; i < block.position(); i++) {
        if (block.get(i) == b) {
          return true;
        }
      }
    }
    return false;
  }

  /** Malformed UTF-8 becomes U+FFFD: the String constructor replaces, it never throws. */
  String decode() {
    return more.isEmpty()
      ? new String(first, 0, size, StandardCharsets.UTF_8)
      : new String(toArray(), StandardCharsets.UTF_8);
  }

  /**
   * The bytes so far as event data, which now owns the blocks, with the runs of base64 the parser noted in
   * them; the accumulator starts again empty.
   */
  EventData handOff(long[] base64Runs) {
    List<ByteBuffer> blocks = new ArrayList<>(more.size() + 1);
    if (more.isEmpty()) {
      // Small: a copy, so that the first array can be filled again.
      blocks.add(ByteBuffer.wrap(Arrays.copyOf(first, size)));
    } else {
      blocks.add(ByteBuffer.wrap(first));
      for (ByteBuffer block : more) {
        blocks.add(block.flip());
      }
      first = new byte[INITIAL_CAPACITY];
    }
    EventData data = new EventData(blocks, size, pool, base64Runs);
    more.clear();
    size = 0;
    if (first.length > RETAINED_CAPACITY) {
      first = new byte[INITIAL_CAPACITY];
    }
    return data;
  }

  /** Drops the bytes, returning any pooled blocks. */
  void clear() {
    if (more.isEmpty()) {
      size = 0;
      if (first.length > RETAINED_CAPACITY) {
        first = new byte[INITIAL_CAPACITY];
      }
    } else {
      handOff(Base64Runs.NONE).release();
    }
  }

  private byte[] toArray() {
    byte[] out = Arrays.copyOf(first, size);
    int at = first.length;
    for (ByteBuffer block : more) {
      block.get(0, out, at, block.position());
      at += block.position();
    }
    return out;
  }
}
