package dev.seedstream.upstream;

import io.vertx.core.Vertx;

/**
 * One upstream's circuit breaker. It opens after {@code failures} calls in a row failed before their first
 * byte (the connection failed, the answer was a 5xx, or nothing came in time), and half-opens after the
 * cool-down: one call is then let through as a trial, and its outcome closes the breaker or opens it again.
 * <p>
 * Written here rather than taken from {@code vertx-circuit-breaker}: that one guards an operation that completes
 * a future within its own timeout, and counts any failure of it; a generation's verdict comes at its first byte,
 * from the exchange's own timers, and only failures that prove the upstream down may count (a 400 is the
 * request's fault, a 429 the account's, see {@link UpstreamPool}). Everything runs on the gateway's event loop.
 */
final class CircuitBreaker {

  enum State {
    CLOSED("closed", 0), HALF_OPEN("half_open", 1), OPEN("open", 2);

    final String wire;
    final int gauge;

    State(String wire, int gauge) {
      this.wire = wire;
      this.gauge = gauge;
    }
  }

  interface Listener {
    void changed(State state);
  }

  private final Vertx vertx;
  private final int failures;
  private final long cooldownMs;
  private final Listener listener;
  private State state = State.CLOSED;
  private int failedInARow;
  private boolean trialRunning;
  private long halfOpensAtNanos;
  private long timer = -1;

  CircuitBreaker(Vertx vertx, int failures, long cooldownMs, Listener listener) {
    this.vertx = vertx;
    this.failures = failures;
    this.cooldownMs = cooldownMs;
    this.listener = listener;
  }

  State state() {
    return state;
  }

  /** Whether a call may go now: closed, or half-open with no trial running. */
  boolean allows() {
    return state == State.CLOSED || state == State.HALF_OPEN && !trialRunning;
  }

  /** A call goes out; when half-open it is the trial, and no other goes until it has its verdict. */
  void called() {
    if (state == State.HALF_OPEN) {
      trialRunning = true;
    }
  }

  /** Milliseconds until an open breaker half-opens; 0 when it is not open. */
  long millisUntilHalfOpen() {
    return state == State.OPEN ? Math.max(0, (halfOpensAtNanos - System.nanoTime()) / 1_000_000) : 0;
  }

  void succeeded() {
    failedInARow = 0;
    trialRunning = false;
    move(State.CLOSED);
  }

  void failed() {
    trialRunning = false;
    failedInARow++;
    if (state == State.HALF_OPEN || failedInARow >= failures) {
      open();
    }
  }

  /** The call ended with no verdict on the upstream's health (cancelled, refused as the request's fault). */
  void noVerdict() {
    trialRunning = false;
  }

  void close() {
    vertx.cancelTimer(timer);
  }

  private void open() {
    vertx.cancelTimer(timer);
    halfOpensAtNanos = System.nanoTime() + cooldownMs * 1_000_000;
    move(State.OPEN);
    timer = vertx.setTimer(cooldownMs, id -> {
      timer = -1;
      move(State.HALF_OPEN);
    });
  }

  private void move(State next) {
    if (state != next) {
      state = next;
      listener.changed(next);
    }
  }
}
