package dev.seedstream.sse;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * Reusable off-heap blocks for the bytes of large events, which a job keeps for replay as long as it
 * lives. On the heap those multi-megabyte arrays were copied out of the young generation and compacted
 * again by the collector, which the benchmark measured as pauses of hundreds of milliseconds; freshly
 * allocated direct memory was no better, because its first touch is slow. Blocks taken from here are
 * never moved, and once returned they are handed out again, already touched.
 *
 * <p>Bounded: at most {@code maxBytes} are ever allocated. When every block is in use, {@link #acquire()}
 * returns null and the caller keeps its bytes on the heap instead. Thread-safe.
 */
public final class BlockPool {

  public static final int BLOCK = 64 * 1024;

  /** A pool that never hands out a block: everything stays on the heap. */
  public static final BlockPool NONE = new BlockPool(0);

  private long maxBlocks;
  private final ArrayDeque<ByteBuffer> free = new ArrayDeque<>();
  private long allocated;
  private long inUse;

  public BlockPool(long maxBytes) {
    this.maxBlocks = Math.max(0, maxBytes / BLOCK);
  }

  /** A cleared block, or null when the pool is spent. */
  synchronized ByteBuffer acquire() {
    ByteBuffer block = free.poll();
    if (block == null) {
      if (allocated >= maxBlocks) {
        return null;
      }
      try {
        block = ByteBuffer.allocateDirect(BLOCK);
      } catch (OutOfMemoryError directMemorySpent) {
        // -XX:MaxDirectMemorySize is below the budget. The JVM waits (up to about half a second, on
        // this thread) before it gives up on a direct allocation, so the pool never asks again.
        maxBlocks = allocated;
        return null;
      }
      allocated++;
    }
    inUse++;
    return block.clear();
  }

  synchronized void release(ByteBuffer block) {
    inUse--;
    free.push(block);
  }

  /** Bytes of blocks handed out and not yet returned. */
  public synchronized long bytesInUse() {
    return inUse * BLOCK;
  }

  /** Bytes of direct memory the pool holds, in use or free. */
  public synchronized long bytesAllocated() {
    return allocated * BLOCK;
  }
}
