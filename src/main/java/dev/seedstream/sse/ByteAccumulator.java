package dev.seedstream.sse;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Bytes appended chunk by chunk, up to a hard limit. Small values live in one array that doubles up to
 * {@value #BLOCK} bytes; past that, full blocks are kept in a list and never copied again, so a
 * multi-megabyte line costs one copy in and one exact-size copy out ({@link #toArray()}), with no
 * doubling garbage and no half-empty array left in the event that keeps it.
 */
final class ByteAccumulator {

  private static final int INITIAL_CAPACITY = 256;
  private static final int BLOCK = 64 * 1024;
  /** An idle stream keeps at most this much after a large event. */
  private static final int RETAINED_CAPACITY = 16 * 1024;

  private final int limit;
  private final List<byte[]> fullBlocks = new ArrayList<>();
  private byte[] block = new byte[INITIAL_CAPACITY];
  private int blockSize;
  private int size;

  ByteAccumulator(int limit) {
    this.limit = limit;
  }

  int size() {
    return size;
  }

  void append(byte b) {
    checkLimit(1);
    if (blockSize == block.length) {
      grow();
    }
    block[blockSize++] = b;
    size++;
  }

  void append(byte[] source, int offset, int length) {
    checkLimit(length);
    while (length > 0) {
      if (blockSize == block.length) {
        grow();
      }
      int n = Math.min(length, block.length - blockSize);
      System.arraycopy(source, offset, block, blockSize, n);
      blockSize += n;
      size += n;
      offset += n;
      length -= n;
    }
  }

  boolean contains(byte b) {
    for (byte[] full : fullBlocks) {
      for (byte x : full) {
        if (x == b) {
          return true;
        }
      }
    }
    for (int i = 0; i < blockSize; i++) {
      if (block[i] == b) {
        return true;
      }
    }
    return false;
  }

  /** A new array of exactly {@link #size()} bytes. */
  byte[] toArray() {
    byte[] out = new byte[size];
    int at = 0;
    for (byte[] full : fullBlocks) {
      System.arraycopy(full, 0, out, at, full.length);
      at += full.length;
    }
    System.arraycopy(block, 0, out, at, blockSize);
    return out;
  }

  /** Malformed UTF-8 becomes U+FFFD: the String constructor replaces, it never throws. */
  String decode() {
    return fullBlocks.isEmpty()
      ? new String(block, 0, blockSize, StandardCharsets.UTF_8)
      : new String(toArray(), StandardCharsets.UTF_8);
  }

  void clear() {
    size = 0;
    blockSize = 0;
    fullBlocks.clear();
    if (block.length > RETAINED_CAPACITY) {
      block = new byte[INITIAL_CAPACITY];
    }
  }

  private void checkLimit(int adding) {
    if ((long) size + adding > limit) {
      throw new IllegalStateException("accumulator limit " + limit + " exceeded");
    }
  }

  private void grow() {
    if (block.length < BLOCK) {
      block = Arrays.copyOf(block, Math.min(block.length * 2, BLOCK));
    } else {
      fullBlocks.add(block);
      block = new byte[BLOCK];
      blockSize = 0;
    }
  }
}
