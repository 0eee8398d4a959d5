package dev.seedstream.store;

import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.ArrayDeque;
import java.util.Queue;
import java.util.function.Supplier;

/**
 * Runs at most {@code limit} downloads (or decodes) at once; the rest wait in arrival order. Event loop
 * only, so a plain counter suffices.
 */
final class DownloadQueue {

  private final int limit;
  private final Queue<Runnable> waiting = new ArrayDeque<>();
  private int running;

  DownloadQueue(int limit) {
    this.limit = limit;
  }

  <T> Future<T> submit(Supplier<Future<T>> task) {
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
    if (running < limit) {
      start.run();
    } else {
      waiting.add(start);
    }
    return done.future();
  }

  private void startNext() {
    Runnable next = waiting.poll();
    if (next != null) {
      next.run();
    }
  }
}
