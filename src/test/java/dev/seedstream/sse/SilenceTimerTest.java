package dev.seedstream.sse;

import dev.seedstream.Gateway;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("A silence timer: runs once a stream has been quiet long enough, never while it is busy")
class SilenceTimerTest {

  private static final long SILENCE_MS = 150;

  private final Vertx vertx = Gateway.newVertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName("activity more often than the silence keeps it from running; it runs a full silence after the last")
  void runsAfterTheLastActivity() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    AtomicLong lastActivity = new AtomicLong();
    CompletableFuture<Long> quietFor = new CompletableFuture<>();
    vertx.runOnContext(v -> {
      SilenceTimer timer = new SilenceTimer(vertx, SILENCE_MS, () -> {
        runs.incrementAndGet();
        quietFor.complete(System.nanoTime() - lastActivity.get());
      });
      // Ten bursts of activity 30 ms apart: the stream is busy for well over two silences.
      AtomicInteger left = new AtomicInteger(10);
      vertx.setPeriodic(30, id -> {
        lastActivity.set(System.nanoTime());
        timer.activity();
        if (left.decrementAndGet() == 0) {
          vertx.cancelTimer(id);
        }
      });
    });
    long quietNanos = quietFor.get(10, TimeUnit.SECONDS);
    assertThat(TimeUnit.NANOSECONDS.toMillis(quietNanos)).isGreaterThanOrEqualTo(SILENCE_MS);
    assertThat(runs).hasValue(1);
  }

  @Test
  @DisplayName("stopped, it stays silent until the next activity, which starts a full silence again")
  void stopHoldsUntilNextActivity() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    CompletableFuture<Long> ran = new CompletableFuture<>();
    AtomicLong restarted = new AtomicLong();
    AtomicInteger runsWhileStopped = new AtomicInteger(-1);
    vertx.runOnContext(v -> {
      SilenceTimer timer = new SilenceTimer(vertx, SILENCE_MS, () -> {
        runs.incrementAndGet();
        ran.complete(System.nanoTime() - restarted.get());
      });
      timer.activity();
      timer.stop();
      // Three silences later nothing has run; then activity starts the count again.
      vertx.setTimer(3 * SILENCE_MS, id -> {
        runsWhileStopped.set(runs.get());
        restarted.set(System.nanoTime());
        timer.activity();
      });
    });
    assertThat(TimeUnit.NANOSECONDS.toMillis(ran.get(10, TimeUnit.SECONDS))).isGreaterThanOrEqualTo(SILENCE_MS);
    assertThat(runsWhileStopped).hasValue(0);
    assertThat(runs).hasValue(1);
  }
}
