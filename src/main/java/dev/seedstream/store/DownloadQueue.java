package dev.seedstream.store;

import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.function.Supplier;

/**
 * Runs at most {@code limit} downloads (or decodes) at once; the rest wait in arrival order, up to
 * {@code maxWaiting} of them holding at most {@code maxWaitingBytes} of inline image data. Past either bound an
 * image is refused at once ({@link StoreFailure.Kind#BACKLOG}): when images arrive faster than the store's
 * low-priority threads keep them, the store falls behind by a bounded amount and the relay never waits for it.
 * Used on the store's event loop only; the counts it reports are also read by relay threads (the hand-off's
 * bound in {@link ImageArchive}) and by {@code /metrics}, so they are volatile.
 */
final class DownloadQueue {

  private record Waiting(Runnable start, Runnable refuse, long bytes) {
  }

  private final int limit;
  private final int maxWaiting;
  private final long maxWaitingBytes;
  private final Queue<Waiting> waiting = new ArrayDeque<>();
  private int running;
  private volatile int waitingCount;
  private volatile long waitingBytes;
  private boolean closed;

  DownloadQueue(int limit, int maxWaiting, long maxWaitingBytes) {
    this.limit = limit;
    this.maxWaiting = maxWaiting;
    this.maxWaitingBytes = maxWaitingBytes;
  }

  /** {@code bytes}: what the task holds in memory until it runs (an inline image's text), 0 for a URL. */
  <T> Future<T> submit(long bytes, Supplier<Future<T>> task) {
    Promise<T> done = Promise.promise();
    Runnable start = () -> {
      running++;
      Future<T> work;
      try {
        work = task.get();
      } catch (RuntimeException e) {
        work = Future.failedFuture(e);
      }
      work.onComplete(result -> {
        running--;
        done.handle(result);
        startNext();
      });
    };
    if (closed) {
      return Future.failedFuture(stopping());
    } else if (running < limit) {
      start.run();
    } else if (full(bytes)) {
      return Future.failedFuture(new StoreFailure(StoreFailure.Kind.BACKLOG, "the store was behind: "
        + waiting.size() + " images (" + (waitingBytes >> 20) + " MiB) were already waiting to be kept"));
    } else {
      waiting.add(new Waiting(start, () -> done.fail(stopping()), bytes));
      waitingCount = waiting.size();
      waitingBytes += bytes;
    }
    return done.future();
  }

  /** Whether a task holding {@code bytes} would be refused now. */
  boolean full(long bytes) {
    return running >= limit && (waiting.size() >= maxWaiting || waitingBytes + bytes > maxWaitingBytes);
  }

  /** Images waiting for a free slot, not counting the {@code limit} being kept now. */
  int waiting() {
    return waitingCount;
  }

  /** Inline image bytes the waiting images hold. */
  long waitingBytes() {
    return waitingBytes;
  }

  /** Refuses the images waiting, and any submitted from now on: the gateway is stopping. */
  void close() {
    closed = true;
    Waiting next;
    while ((next = waiting.poll()) != null) {
      next.refuse().run();
    }
    waitingCount = 0;
    waitingBytes = 0;
  }

  private static StoreFailure stopping() {
    return new StoreFailure(StoreFailure.Kind.DOWNLOAD, "the gateway stopped before the image was kept");
  }

  private void startNext() {
    Waiting next = waiting.poll();
    if (next != null) {
      waitingCount = waiting.size();
      waitingBytes -= next.bytes();
      next.start().run();
    }
  }
}
