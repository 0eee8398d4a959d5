package dev.seedstream.upstream;

import dev.seedstream.config.GatewayConfig;
import dev.seedstream.sse.SilenceTimer;
import io.vertx.core.Vertx;

import java.util.function.Consumer;

/**
 * The deadlines of one upstream call: the total deadline, the first sign of life after the request, and
 * the longest silence between two signs of life. Any bytes of the answer are a sign of life, for jobs and
 * the raw relay alike: an image of several megabytes on a slow link is one event but many chunks, and
 * only the total deadline may cut an upstream that is still sending. A timeout is reported once, with its reason.
 */
final class UpstreamTimers {

  private final Vertx vertx;
  private final GatewayConfig config;
  private final Consumer<String> onTimeout;
  private final SilenceTimer idle;
  private long totalTimer = -1;
  private long firstEventTimer = -1;
  private long startedAt;
  private long firstEventStartedAt;
  private boolean firstEventFired;

  UpstreamTimers(Vertx vertx, GatewayConfig config, Consumer<String> onTimeout) {
    this.vertx = vertx;
    this.config = config;
    this.onTimeout = onTimeout;
    this.idle = new SilenceTimer(vertx, config.timeouts().idleTimeoutMs(),
      () -> fire("the upstream was silent for " + config.timeouts().idleTimeoutMs() + " ms"));
  }

  void start() {
    startedAt = System.nanoTime();
    totalTimer = vertx.setTimer(config.timeouts().totalTimeoutMs(), id -> totalDeadline());
    armFirstEvent();
  }

  /**
   * The call moved to another upstream before any answer: that one gets its own first-event deadline, and the
   * total deadline, stopped if the first-event one fired, runs on from the original start.
   */
  void restartFirstEvent() {
    vertx.cancelTimer(firstEventTimer);
    armFirstEvent();
    if (totalTimer == -1) {
      long left = config.timeouts().totalTimeoutMs() - (System.nanoTime() - startedAt) / 1_000_000;
      totalTimer = vertx.setTimer(Math.max(1, left), id -> totalDeadline());
    }
  }

  /** Whether the timeout just reported was the first-event deadline. */
  boolean firstEventTimedOut() {
    return firstEventFired;
  }

  private void armFirstEvent() {
    firstEventFired = false;
    firstEventStartedAt = System.nanoTime();
    firstEventTimer = vertx.setTimer(config.timeouts().firstEventTimeoutMs(), id -> {
      firstEventFired = true;
      fire("nothing from the upstream within " + config.timeouts().firstEventTimeoutMs() + " ms of the request");
    });
  }

  private void totalDeadline() {
    totalTimer = -1;
    fire("the generation exceeded the total deadline of " + config.timeouts().totalTimeoutMs() + " ms");
  }

  /** The upstream just showed life: the idle deadline starts again. Called per event or chunk, so it is cheap. */
  void activity() {
    if (firstEventTimer != -1) {
      vertx.cancelTimer(firstEventTimer);
      firstEventTimer = -1;
    }
    idle.activity();
  }

  /**
   * How long a wait before retrying may last without a deadline firing first: until the first-event deadline
   * while the upstream has not answered, and the total deadline in any case.
   */
  long millisBeforeADeadline() {
    long elapsed = (System.nanoTime() - startedAt) / 1_000_000;
    long total = config.timeouts().totalTimeoutMs() - elapsed;
    long sinceSent = (System.nanoTime() - firstEventStartedAt) / 1_000_000;
    return firstEventTimer == -1 ? total : Math.min(total, config.timeouts().firstEventTimeoutMs() - sinceSent);
  }

  /** Silence is not the upstream's fault while the gateway itself has stopped reading (backpressure). */
  void suspendIdle() {
    idle.stop();
  }

  void stop() {
    vertx.cancelTimer(totalTimer);
    totalTimer = -1;
    vertx.cancelTimer(firstEventTimer);
    firstEventTimer = -1;
    idle.stop();
  }

  private void fire(String reason) {
    stop();
    onTimeout.accept(reason);
  }
}
