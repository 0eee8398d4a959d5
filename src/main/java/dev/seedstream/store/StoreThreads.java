package dev.seedstream.store;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.transport.Transport;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Where the store does its heavy work, so that it cannot delay a relay write: downloads (connections, TLS,
 * hashing the bytes as they arrive) on an event loop of its own, and decoding, hashing and writing inline
 * images on worker threads of its own. Every one of these threads runs at the lowest priority, which the
 * JVM turns into a nice value on Linux when {@code -XX:ThreadPriorityPolicy=1} is set (conf/jvm.options), so
 * on a busy core the relay's event loop runs first. What waits for them is bounded by {@link DownloadQueue}.
 */
final class StoreThreads {

  private final EventLoopGroup loop;
  private final ExecutorService workers;
  private final ContextInternal context;
  private final ContextInternal home;

  /** {@code home}: the context the store's bookkeeping runs on, where {@link #run} delivers its outcomes. */
  StoreThreads(Vertx vertx, Context home, int workerThreads) {
    VertxInternal internal = (VertxInternal) vertx;
    this.home = (ContextInternal) home;
    // The same transport (epoll or NIO) as the gateway's own loops, so the HTTP client's channels fit this loop.
    loop = internal.transport().eventLoopGroup(Transport.IO_EVENT_LOOP_GROUP, 1,
      new DefaultThreadFactory("seedstream-store-io", true, Thread.MIN_PRIORITY), 50);
    workers = Executors.newFixedThreadPool(workerThreads,
      new DefaultThreadFactory("seedstream-store-worker", true, Thread.MIN_PRIORITY));
    context = internal.contextBuilder().withThreadingModel(ThreadingModel.EVENT_LOOP).withEventLoop(loop.next())
      .withWorkerPool(internal.wrapWorkerPool(workers)).build();
  }

  /**
   * Starts {@code work} on the store's event loop (its blocking parts then go to the store's workers) and
   * completes on the home context, so the store's bookkeeping stays on one thread.
   */
  <T> Future<T> run(Supplier<Future<T>> work) {
    Promise<T> result = home.promise();
    context.runOnContext(v -> {
      Future<T> started;
      try {
        started = work.get();
      } catch (RuntimeException e) {
        started = Future.failedFuture(e);
      }
      started.onComplete(result);
    });
    return result.future();
  }

  /** For a thread the store owns but did not create here (its database thread): the same low priority. */
  static void lowerPriority() {
    Thread current = Thread.currentThread();
    if (current.getPriority() != Thread.MIN_PRIORITY) {
      current.setPriority(Thread.MIN_PRIORITY);
    }
  }

  void close() {
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    workers.shutdown();
  }
}
