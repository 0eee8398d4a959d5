package dev.seedstream.sse;

import io.vertx.core.Vertx;

/**
 * Runs an action once a stream has been quiet for a given time: a heartbeat after the last write, a
 * timeout after the upstream's last event. Noting activity only reads the clock. Re-arming a Vert.x timer
 * per event instead costs a timer entry, a map entry and a heap operation every time, on a path that
 * carries a thousand events a second; here the one pending timer, when it fires early, waits out the
 * rest of the silence. Event-loop only.
 */
public final class SilenceTimer {

  private final Vertx vertx;
  private final long silenceMs;
  private final Runnable onSilence;
  private long lastActivityNanos;
  private long timer = -1;

  public SilenceTimer(Vertx vertx, long silenceMs, Runnable onSilence) {
    if (silenceMs <= 0) {
      throw new IllegalArgumentException("silenceMs must be positive: " + silenceMs);
    }
    this.vertx = vertx;
    this.silenceMs = silenceMs;
    this.onSilence = onSilence;
  }

  /** Something happened: the action runs {@code silenceMs} from now unless something happens again. */
  public void activity() {
    lastActivityNanos = System.nanoTime();
    if (timer == -1) {
      schedule(silenceMs);
    }
  }

  /** No action until the next {@link #activity()}. */
  public void stop() {
    vertx.cancelTimer(timer);
    timer = -1;
  }

  private void schedule(long delayMs) {
    timer = vertx.setTimer(Math.max(1, delayMs), id -> expired());
  }

  private void expired() {
    timer = -1;
    long quietMs = (System.nanoTime() - lastActivityNanos) / 1_000_000;
    if (quietMs >= silenceMs) {
      onSilence.run();
    } else {
      schedule(silenceMs - quietMs);
    }
  }
}
