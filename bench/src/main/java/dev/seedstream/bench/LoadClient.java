package dev.seedstream.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * The load client: opens SSE streams against one comparator and measures them into a {@link RunStats}.
 * Closed load opens a fixed population of streams; open load starts streams at
 * Poisson arrival times and times them from the scheduled start, so a stalled client cannot hide queueing
 * (coordinated omission). Every stream runs on one Vert.x context, so the stats need no locks.
 */
final class LoadClient {

  /** Connection attempts in flight at once: keeps a storm of thousands within every listener's backlog. */
  private static final int MAX_PENDING = 200;

  private final Vertx vertx;
  private final HttpClientAgent http;
  private final Context context;

  LoadClient(Vertx vertx) {
    this.vertx = vertx;
    // No keep-alive: each stream gets its own connection and closes it, so no idle socket from one run
    // stays in a relay (as memory and fds) while the next run is measured.
    this.http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false).setTcpNoDelay(true)
      .setConnectTimeout(10_000), new PoolOptions().setHttp1MaxSize(20_000).setMaxWaitQueueSize(-1));
    this.context = vertx.getOrCreateContext();
  }

  Run run(Comparator target) {
    return new Run(target);
  }

  Future<Void> close() {
    return http.close();
  }

  /** One measured run against one comparator. Its methods may be called from any thread. */
  final class Run {

    final RunStats stats = new RunStats();
    final Comparator target;
    private final Set<BenchStream> live = new HashSet<>();
    private final Queue<BenchStream> waiting = new ArrayDeque<>();
    private final Set<BenchStream> paused = new HashSet<>();
    private Promise<Void> opened;
    private int openedOutstanding;
    private Promise<Void> allEnded;
    private long recordFromNanos = Long.MIN_VALUE;
    private int pending;
    private int nextIndex;

    private Run(Comparator target) {
      this.target = target;
    }

    /** Events stamped before this time are counted but not put in the latency histograms (warm-up). */
    Run recordFrom(long nanos) {
      this.recordFromNanos = nanos;
      return this;
    }

    long recordFromNanos() {
      return recordFromNanos;
    }

    /**
     * Opens {@code count} more streams; every {@code pausedEvery}-th one (0 = none) stops reading after its
     * response head. Completes once each has its response head or has failed.
     */
    Future<Void> open(int count, IntFunction<StreamProfile> profileOf, int pausedEvery) {
      Promise<Void> done = Promise.promise();
      context.runOnContext(v -> {
        opened = done;
        openedOutstanding = count;
        for (int i = 0; i < count; i++) {
          int index = nextIndex++;
          boolean pause = pausedEvery > 0 && index % pausedEvery == pausedEvery - 1;
          waiting.add(new BenchStream(LoadClient.this.http, this, profileOf.apply(index), pause, true, System.nanoTime()));
        }
        if (count == 0) {
          done.tryComplete();
        }
        launch();
      });
      return done.future();
    }

    /** Open load: streams arrive as a Poisson process of {@code perSecond} for {@code durationMs}. */
    Future<Void> arrivals(double perSecond, long durationMs, IntFunction<StreamProfile> profileOf, long seed) {
      Promise<Void> done = Promise.promise();
      Random random = new Random(seed);
      context.runOnContext(v -> scheduleArrival(System.nanoTime(), System.nanoTime() + durationMs * 1_000_000L,
        perSecond, profileOf, random, done));
      return done.future();
    }

    private void scheduleArrival(long previous, long end, double perSecond, IntFunction<StreamProfile> profileOf,
                                 Random random, Promise<Void> done) {
      long at = previous + (long) (-Math.log(1 - random.nextDouble()) / perSecond * 1e9);
      if (at > end) {
        done.tryComplete();
        return;
      }
      vertx.setTimer(Math.max(1, (at - System.nanoTime()) / 1_000_000L), id -> {
        BenchStream stream = new BenchStream(LoadClient.this.http, this, profileOf.apply(nextIndex++), false, false, at);
        waiting.add(stream);
        launch();
        scheduleArrival(at, end, perSecond, profileOf, random, done);
      });
    }

    /** Completes when every stream opened so far has ended (normally or not). */
    Future<Void> ended() {
      Promise<Void> done = Promise.promise();
      context.runOnContext(v -> {
        allEnded = done;
        checkAllEnded();
      });
      return done.future();
    }

    Future<Void> resumePaused() {
      Promise<Void> done = Promise.promise();
      context.runOnContext(v -> {
        paused.forEach(BenchStream::resume);
        done.complete();
      });
      return done.future();
    }

    /** Resets every stream still open, counting each as a {@code timeout}. */
    Future<Void> abort() {
      Promise<Void> done = Promise.promise();
      context.runOnContext(v -> {
        waiting.clear();
        Set.copyOf(live).forEach(s -> s.abort("timeout"));
        done.complete();
      });
      return done.future();
    }

    int liveStreams() {
      return live.size();
    }

    private void launch() {
      while (pending < MAX_PENDING && !waiting.isEmpty()) {
        BenchStream stream = waiting.poll();
        pending++;
        live.add(stream);
        stats.streamsStarted++;
        stream.start();
      }
    }

    void onHeadOrFailure(BenchStream stream) {
      pending--;
      launch();
      if (stream.batch() && opened != null && --openedOutstanding == 0) {
        opened.tryComplete();
      }
      if (stream.paused()) {
        paused.add(stream);
      }
    }

    void onEnded(BenchStream stream) {
      live.remove(stream);
      paused.remove(stream);
      checkAllEnded();
    }

    private void checkAllEnded() {
      if (allEnded != null && live.isEmpty() && waiting.isEmpty()) {
        allEnded.tryComplete();
      }
    }
  }
}
