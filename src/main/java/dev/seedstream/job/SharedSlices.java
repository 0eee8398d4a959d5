package dev.seedstream.job;

import dev.seedstream.sse.EventSink;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.vertx.core.Future;
import io.vertx.core.internal.buffer.BufferInternal;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ObjIntConsumer;

/**
 * The slices of one large frame that are on their way to clients. A slice is copied into direct memory
 * when a listener writes it and no copy is in flight, and every listener that writes it meanwhile sends
 * that same copy; the copy is freed when the last of those writes is over, sent or failed. So a thousand
 * clients stalled on one image hold one copy of each slice between them, never one each, and a slice
 * nobody is sending holds nothing: the job's log stays the only lasting copy.
 *
 * <p>Counted here, not by Netty: a buffer handed to Vert.x is written as an unreleasable view, so the
 * write's own completion is what says the bytes are no longer needed. Direct, because Netty copies a heap
 * buffer to direct memory for every write, which would be one copy per listener again.
 */
final class SharedSlices {

  private static final PooledByteBufAllocator ALLOCATOR = PooledByteBufAllocator.DEFAULT;
  private static final AtomicLong BYTES = new AtomicLong();

  private final ByteBuf[] copies;
  private final int[] writes;

  SharedSlices(int slices) {
    this.copies = new ByteBuf[slices];
    this.writes = new int[slices];
  }

  /** Bytes of slice copies in flight to clients, across every frame: back to zero once they are sent. */
  static long bytesInFlight() {
    return BYTES.get();
  }

  /**
   * Writes slice {@code n}, {@code length} bytes, to {@code out}, having {@code fill} append it to a fresh
   * direct buffer only if no copy is in flight.
   */
  void write(int n, int length, ObjIntConsumer<ByteBuf> fill, EventSink out) {
    ByteBuf copy = take(n, length, fill);
    Future<Void> sent;
    try {
      sent = out.write(BufferInternal.buffer(copy.duplicate()));
    } catch (RuntimeException e) {
      letGo(n);
      throw e;
    }
    sent.onComplete(done -> letGo(n));
  }

  // Synchronized although listeners and their writes' completions run on the job's event loop: a slip
  // here would free bytes a socket is still sending, or send another frame's.
  // Filled straight from the job's log: a heap array in between was one more copy of every image, and as
  // much young garbage as the image is large (half the young generation for an 8 MiB one).
  private synchronized ByteBuf take(int n, int length, ObjIntConsumer<ByteBuf> fill) {
    if (copies[n] == null) {
      ByteBuf copy = ALLOCATOR.directBuffer(length, length);
      try {
        fill.accept(copy, n);
      } catch (RuntimeException e) {
        copy.release();
        throw e;
      }
      copies[n] = copy;
      BYTES.addAndGet(length);
    }
    writes[n]++;
    return copies[n];
  }

  private synchronized void letGo(int n) {
    if (--writes[n] == 0) {
      BYTES.addAndGet(-copies[n].readableBytes());
      copies[n].release();
      copies[n] = null;
    }
  }
}
