package dev.seedstream.upstream;

import dev.seedstream.support.TestGateway;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The three deadlines of an upstream call share one Vert.x timer: each must still fire on its own terms, never
 * early, with its own reason, and the one that passed first must win when the event loop comes to them late.
 * Every expectation waits for the timeout callback itself; lower bounds on the elapsed time are exact, since a
 * deadline is never reported before it has passed.
 */
class UpstreamTimersTest {

  private Vertx vertx;
  private Context context;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    context = vertx.getOrCreateContext();
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private UpstreamTimers timers(long firstEventMs, long idleMs, long totalMs, CompletableFuture<String> reason) {
    return new UpstreamTimers(vertx, TestGateway.config("http://127.0.0.1:9/v1/images/generations", Map.of(
      "SEEDSTREAM_FIRST_EVENT_TIMEOUT_MS", String.valueOf(firstEventMs),
      "SEEDSTREAM_IDLE_TIMEOUT_MS", String.valueOf(idleMs),
      "SEEDSTREAM_TOTAL_TIMEOUT_MS", String.valueOf(totalMs))), reason::complete);
  }

  private static String await(CompletableFuture<String> reason) throws Exception {
    return reason.get(10, TimeUnit.SECONDS);
  }

  @Test
  void firstEventDeadlineFiresWithItsReason() throws Exception {
    CompletableFuture<String> reason = new CompletableFuture<>();
    UpstreamTimers[] timers = new UpstreamTimers[1];
    long started = System.nanoTime();
    context.runOnContext(v -> {
      timers[0] = timers(60, 10_000, 10_000, reason);
      timers[0].start();
    });
    assertThat(await(reason)).isEqualTo("nothing from the upstream within 60 ms of the request");
    assertThat((System.nanoTime() - started) / 1_000_000).isGreaterThanOrEqualTo(60);
    assertThat(timers[0].firstEventTimedOut()).isTrue();
  }

  @Test
  void idleCountsFromTheLastActivity() throws Exception {
    CompletableFuture<String> reason = new CompletableFuture<>();
    long[] lastActivity = new long[1];
    AtomicInteger beats = new AtomicInteger();
    context.runOnContext(v -> {
      UpstreamTimers timers = timers(10_000, 80, 10_000, reason);
      timers.start();
      // Activity every 20 ms for ten beats: well inside the 80 ms idle deadline each time; then silence.
      vertx.setPeriodic(20, id -> {
        if (beats.incrementAndGet() > 10) {
          vertx.cancelTimer(id);
          return;
        }
        lastActivity[0] = System.nanoTime();
        timers.activity();
      });
    });
    assertThat(await(reason)).isEqualTo("the upstream was silent for 80 ms");
    assertThat(beats.get()).isGreaterThan(10);
    assertThat((System.nanoTime() - lastActivity[0]) / 1_000_000).isGreaterThanOrEqualTo(80);
  }

  @Test
  void totalDeadlineCutsAnUpstreamThatKeepsSending() throws Exception {
    CompletableFuture<String> reason = new CompletableFuture<>();
    long started = System.nanoTime();
    context.runOnContext(v -> {
      UpstreamTimers timers = timers(100, 100, 250, reason);
      timers.start();
      long beat = vertx.setPeriodic(10, id -> timers.activity());
      reason.whenComplete((r, e) -> vertx.cancelTimer(beat));
    });
    assertThat(await(reason)).isEqualTo("the generation exceeded the total deadline of 250 ms");
    assertThat((System.nanoTime() - started) / 1_000_000).isGreaterThanOrEqualTo(250);
  }

  @Test
  void theDeadlineThatPassedFirstWinsWhenTheLoopIsLate() throws Exception {
    CompletableFuture<String> reason = new CompletableFuture<>();
    context.runOnContext(v -> {
      UpstreamTimers timers = timers(40, 10_000, 60, reason);
      timers.start();
      // The event loop stalls past both deadlines: first-event (40 ms) passed before total (60 ms).
      long until = System.nanoTime() + 150_000_000L;
      while (System.nanoTime() < until) {
        Thread.onSpinWait();
      }
    });
    assertThat(await(reason)).isEqualTo("nothing from the upstream within 40 ms of the request");
  }

  @Test
  void failOverKeepsTheTotalDeadlineFromTheOriginalStart() throws Exception {
    CompletableFuture<String> first = new CompletableFuture<>();
    CompletableFuture<String> reason = new CompletableFuture<>();
    long started = System.nanoTime();
    context.runOnContext(v -> {
      UpstreamTimers timers = new UpstreamTimers(vertx, TestGateway.config("http://127.0.0.1:9/v1/images/generations", Map.of(
        "SEEDSTREAM_FIRST_EVENT_TIMEOUT_MS", "150", "SEEDSTREAM_IDLE_TIMEOUT_MS", "10000",
        "SEEDSTREAM_TOTAL_TIMEOUT_MS", "300")), why -> (first.isDone() ? reason : first).complete(why));
      timers.start();
      first.whenComplete((why, e) -> {
        // As the exchange does on a first-event timeout: the next upstream, which then answers and keeps sending.
        timers.restartFirstEvent();
        timers.activity();
        long beat = vertx.setPeriodic(10, id -> timers.activity());
        reason.whenComplete((r, x) -> vertx.cancelTimer(beat));
      });
    });
    assertThat(await(first)).startsWith("nothing from the upstream within 150 ms");
    assertThat(await(reason)).isEqualTo("the generation exceeded the total deadline of 300 ms");
    long elapsedMs = (System.nanoTime() - started) / 1_000_000;
    // From the original start, not from the fail-over at about 150 ms (which would be 450 ms or more).
    assertThat(elapsedMs).isBetween(300L, 445L);
  }

  @Test
  void suspendedIdleWaitsForTheNextActivity() throws Exception {
    CompletableFuture<String> reason = new CompletableFuture<>();
    CompletableFuture<Long> resumed = new CompletableFuture<>();
    context.runOnContext(v -> {
      UpstreamTimers timers = timers(10_000, 50, 10_000, reason);
      timers.start();
      timers.activity();
      timers.suspendIdle();
      // Three idle deadlines' worth of silence while the gateway itself does not read: no timeout.
      vertx.setTimer(150, id -> {
        if (reason.isDone()) {
          resumed.completeExceptionally(new AssertionError("timed out while suspended: " + reason.join()));
          return;
        }
        resumed.complete(System.nanoTime());
        timers.activity();
      });
    });
    assertThat(await(reason)).isEqualTo("the upstream was silent for 50 ms");
    assertThat((System.nanoTime() - resumed.get(10, TimeUnit.SECONDS)) / 1_000_000).isGreaterThanOrEqualTo(50);
  }

  @Test
  void stopLeavesNoDeadlineBehind() throws Exception {
    CompletableFuture<String> reason = new CompletableFuture<>();
    CompletableFuture<Void> after = new CompletableFuture<>();
    context.runOnContext(v -> {
      UpstreamTimers timers = timers(30, 30, 30, reason);
      timers.start();
      timers.activity();
      timers.stop();
      vertx.setTimer(120, id -> after.complete(null));
    });
    after.get(10, TimeUnit.SECONDS);
    assertThat(reason).isNotDone();
  }
}
