package dev.seedstream.sse;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A byte array that grows by doubling up to a hard limit, so appending a multi-MB line chunk by
 * chunk costs linear time, and a released buffer does not pin a huge array to an idle stream.
 */
final class ByteAccumulator {

  private static final int INITIAL_CAPACITY = 256;
  private static final int RETAINED_CAPACITY = 64 * 1024;

  private final int limit;
  private byte[] bytes = new byte[INITIAL_CAPACITY];
  private int size;

  ByteAccumulator(int limit) {
    this.limit = limit;
  }

  int size() {
    return size;
  }

  void append(byte b) {
    ensureCapacity(size + 1);
    bytes[size++] = b;
  }

  void append(byte[] source, int offset, int length) {
    ensureCapacity(size + length);
    System.arraycopy(source, offset, bytes, size, length);
    size += length;
  }

  boolean contains(byte b) {
    for (int i = 0; i < size; i++) {
      if (bytes[i] == b) {
        return true;
      }
    }
    return false;
  }

  /** Malformed UTF-8 becomes U+FFFD: the String constructor replaces, it never throws. */
  String decode() {
    return new String(bytes, 0, size, StandardCharsets.UTF_8);
  }

  void clear() {
    size = 0;
    if (bytes.length > RETAINED_CAPACITY) {
      bytes = new byte[INITIAL_CAPACITY];
    }
  }

  private void ensureCapacity(int needed) {
    if (needed <= bytes.length) {
      return;
    }
    if (needed > limit) {
      throw new IllegalStateException("accumulator limit " + limit + " exceeded");
    }
    long doubled = Math.max((long) bytes.length * 2, needed);
    bytes = Arrays.copyOf(bytes, (int) Math.min(doubled, limit));
  }
}
