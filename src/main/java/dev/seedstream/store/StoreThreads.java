package dev.seedstream.store;

import io.netty.channel.EventLoopGroup;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.impl.VertxThread;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.WorkerPool;
import io.vertx.core.spi.VertxThreadFactory;
import io.vertx.core.spi.transport.Transport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where the store does its work, so that it cannot delay a relay write: its bookkeeping ({@link ImageArchive}'s
 * state) and downloads (connections, TLS, reading the bytes as they arrive) on an event loop of its own, and
 * decoding, hashing and writing images on worker threads of its own. On Linux all of them, and the SQLite history's thread ({@link Database}), are put
 * in the {@code SCHED_IDLE} scheduling class ({@code chrt --idle}): they run only when no ordinary thread wants the core, and a relay thread that wakes
 * takes the core from them at once. A lower nice value is not enough: the kernel lets a running thread finish
 * its time slice (a few milliseconds) before a woken one of higher weight, which put the store's downloads into
 * the relay's p99. Where {@code chrt} is missing the threads keep the lowest Java priority only. What waits for
 * them is bounded by {@link DownloadQueue}.
 *
 * <p>A thread inherits its creator's class ({@code --reset-on-fork} resets only privileged policies), and a
 * thread that leaves the idle class needs a privilege the gateway lacks. So every thread of Vert.x's own that
 * the download loop could otherwise be the first to need (event loops, the worker and internal blocking pools,
 * which Vert.x fills a thread per task up to their size) is started here, from an ordinary thread, before any
 * store thread exists: once a Vert.x worker was started idle by the store, and a request body parsed on it
 * waited a minute for a free core under load.
 */
public final class StoreThreads {

  /** Whether the current thread has been put in the idle class already. */
  private static final ThreadLocal<Boolean> YIELDING = ThreadLocal.withInitial(() -> false);

  private final VertxInternal vertx;
  private final EventLoopGroup loop;
  private final ExecutorService workers;
  private final ContextInternal context;

  StoreThreads(Vertx vertx, int workerThreads) {
    VertxInternal internal = (VertxInternal) vertx;
    this.vertx = internal;
    startSharedThreads(internal);
    // The same transport (epoll or NIO) as the gateway's own loops, so the HTTP client's channels fit this loop.
    loop = internal.transport().eventLoopGroup(Transport.IO_EVENT_LOOP_GROUP, 1, idle("seedstream-store-io", false), 50);
    workers = Executors.newFixedThreadPool(workerThreads, idle("seedstream-store-worker", true));
    context = internal.contextBuilder().withThreadingModel(ThreadingModel.EVENT_LOOP).withEventLoop(loop.next())
      .withWorkerPool(internal.wrapWorkerPool(workers)).build();
  }

  /**
   * The store's event loop, where its state and bookkeeping live and its downloads run; work it starts there
   * with {@code executeBlocking} goes to the store's workers.
   */
  ContextInternal context() {
    return context;
  }

  /**
   * Starts every thread of Vert.x's event loops and shared pools that is not running yet, on this (ordinary)
   * thread, so that none of them is ever started by, and so inherits the class of, a store thread. Cheap when
   * they all run already: one empty task per event loop.
   */
  static void startSharedThreads(VertxInternal vertx) {
    for (EventLoopGroup group : List.of(vertx.eventLoopGroup(), vertx.acceptorEventLoopGroup())) {
      group.forEach(loop -> loop.execute(() -> { }));
    }
    for (WorkerPool pool : List.of(vertx.workerPool(), vertx.internalWorkerPool())) {
      if (pool.executor() instanceof ThreadPoolExecutor executor) {
        executor.prestartAllCoreThreads();
      }
    }
  }

  /**
   * Threads that yield the core to every other thread of the gateway, set up as they start. They are Vert.x
   * threads, because Vert.x dispatches a task on any other thread through a ThreadLocal it sets and removes
   * around each one: a dispatch object and a table entry per task (11 MB in a 20 s S2 run on the download
   * loop alone).
   */
  private static ThreadFactory idle(String name, boolean worker) {
    AtomicInteger started = new AtomicInteger();
    return work -> {
      VertxThread thread = VertxThreadFactory.INSTANCE.newVertxThread(() -> {
        yieldToRelay();
        work.run();
      }, name + "-" + started.incrementAndGet(), worker, Long.MAX_VALUE, TimeUnit.NANOSECONDS);
      thread.setDaemon(true);
      thread.setPriority(Thread.MIN_PRIORITY);
      return thread;
    };
  }

  /** Puts the calling thread in the idle scheduling class, once: for threads that start no others (the store's, the heap's warm-up). */
  public static void yieldToRelay() {
    Thread current = Thread.currentThread();
    if (YIELDING.get()) {
      return;
    }
    current.setPriority(Thread.MIN_PRIORITY);
    YIELDING.set(true);
    try {
      String tid = Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString();
      Process chrt = new ProcessBuilder("chrt", "--idle", "--reset-on-fork", "-p", "0", tid)
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!chrt.waitFor(5, TimeUnit.SECONDS)) {
        chrt.destroy();
      }
    } catch (IOException | UnsupportedOperationException e) {
      // Not Linux, or no chrt: the lowest Java priority is all there is.
    } catch (InterruptedException e) {
      current.interrupt();
    }
  }


  /**
   * Completes once the store's threads have ended (or after a few seconds): none outlives the gateway. Called
   * off the store's loop, which cannot wait for its own end.
   */
  Future<Void> close() {
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    workers.shutdown();
    return vertx.getOrCreateContext().executeBlocking(() -> {
      if (!workers.awaitTermination(5, TimeUnit.SECONDS) || !loop.terminationFuture().await(5, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the image store's threads did not end within 5 s");
      }
      return null;
    }, false);
  }
}
