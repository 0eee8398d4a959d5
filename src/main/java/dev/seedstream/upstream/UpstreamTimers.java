package dev.seedstream.upstream;

import dev.seedstream.config.GatewayConfig;
import io.vertx.core.Vertx;

import java.util.function.Consumer;

/**
 * The deadlines of one upstream call: the total deadline, the first sign of life after the request, and
 * the longest silence between two signs of life. Any bytes of the answer are a sign of life, for jobs and
 * the raw relay alike: an image of several megabytes on a slow link is one event but many chunks, and
 * only the total deadline may cut an upstream that is still sending. A timeout is reported once, with its reason.
 *
 * <p>All three share one Vert.x timer, set for the earliest deadline that is armed; when it fires early (the
 * upstream showed life since), it is set again for what is then the earliest. A held stream waits minutes
 * with its deadlines armed, and each Vert.x timer costs it about 200 bytes (a timer handler, a scheduled task,
 * a map entry); noting activity only reads the clock, on a path that carries every chunk. Event-loop only.
 */
final class UpstreamTimers {

  private final Vertx vertx;
  private final Consumer<String> onTimeout;
  private final long totalMs;
  private final long firstEventMs;
  private final long idleMs;
  private long timer = -1;
  /** When the pending timer fires, in {@link System#nanoTime()} terms. */
  private long timerAt;
  private long startedAt;
  private boolean totalArmed;
  private long firstEventStartedAt;
  private boolean firstEventArmed;
  private boolean firstEventFired;
  private long lastActivity;
  private boolean idleArmed;

  UpstreamTimers(Vertx vertx, GatewayConfig config, Consumer<String> onTimeout) {
    this.vertx = vertx;
    this.onTimeout = onTimeout;
    this.totalMs = config.timeouts().totalTimeoutMs();
    this.firstEventMs = config.timeouts().firstEventTimeoutMs();
    this.idleMs = config.timeouts().idleTimeoutMs();
  }

  void start() {
    startedAt = System.nanoTime();
    totalArmed = true;
    armFirstEvent();
  }

  /**
   * The call moved to another upstream before any answer: that one gets its own first-event deadline, and the
   * total deadline, stopped if the first-event one fired, runs on from the original start.
   */
  void restartFirstEvent() {
    totalArmed = true;
    armFirstEvent();
  }

  /** Whether the timeout just reported was the first-event deadline. */
  boolean firstEventTimedOut() {
    return firstEventFired;
  }

  private void armFirstEvent() {
    firstEventFired = false;
    firstEventArmed = true;
    firstEventStartedAt = System.nanoTime();
    schedule();
  }

  /** The upstream just showed life: the idle deadline starts again. Called per event or chunk, so it is cheap. */
  void activity() {
    firstEventArmed = false;
    lastActivity = System.nanoTime();
    if (!idleArmed) {
      idleArmed = true;
      schedule();
    }
  }

  /**
   * How long a wait before retrying may last without a deadline firing first: until the first-event deadline
   * while the upstream has not answered, and the total deadline in any case.
   */
  long millisBeforeADeadline() {
    long now = System.nanoTime();
    long total = totalMs - (now - startedAt) / 1_000_000;
    return firstEventArmed ? Math.min(total, firstEventMs - (now - firstEventStartedAt) / 1_000_000) : total;
  }

  /** Silence is not the upstream's fault while the gateway itself has stopped reading (backpressure). */
  void suspendIdle() {
    idleArmed = false;
  }

  void stop() {
    vertx.cancelTimer(timer);
    timer = -1;
    totalArmed = false;
    firstEventArmed = false;
    idleArmed = false;
  }

  /**
   * Sets the timer for the earliest armed deadline, unless it is already set for that time or earlier. Times are
   * compared as differences from now, never as absolute {@link System#nanoTime()} values, which may be anywhere in
   * the range of a long and so overflow when a day's deadline is added to them.
   */
  private void schedule() {
    long now = System.nanoTime();
    long left = Math.min(totalLeft(now), Math.min(firstEventLeft(now), idleLeft(now)));
    if (left == Long.MAX_VALUE || (timer != -1 && timerAt - now <= left)) {
      return;
    }
    vertx.cancelTimer(timer);
    timerAt = now + left;
    timer = vertx.setTimer(Math.max(1, (left + 999_999) / 1_000_000), id -> expired());
  }

  /** The deadline that passed first wins, as when each had its own timer: a late timer must not change the reason. */
  private void expired() {
    timer = -1;
    long now = System.nanoTime();
    long total = totalLeft(now);
    long firstEvent = firstEventLeft(now);
    long idle = idleLeft(now);
    long earliest = Math.min(total, Math.min(firstEvent, idle));
    if (earliest > 0) {
      schedule();
    } else if (earliest == firstEvent) {
      firstEventFired = true;
      fire("nothing from the upstream within " + firstEventMs + " ms of the request");
    } else if (earliest == total) {
      fire("the generation exceeded the total deadline of " + totalMs + " ms");
    } else {
      fire("the upstream was silent for " + idleMs + " ms");
    }
  }

  /** Nanoseconds until the total deadline (negative once passed), or {@code Long.MAX_VALUE} when it is not armed. */
  private long totalLeft(long now) {
    return totalArmed ? totalMs * 1_000_000 - (now - startedAt) : Long.MAX_VALUE;
  }

  private long firstEventLeft(long now) {
    return firstEventArmed ? firstEventMs * 1_000_000 - (now - firstEventStartedAt) : Long.MAX_VALUE;
  }

  private long idleLeft(long now) {
    return idleArmed ? idleMs * 1_000_000 - (now - lastActivity) : Long.MAX_VALUE;
  }

  private void fire(String reason) {
    stop();
    onTimeout.accept(reason);
  }
}
