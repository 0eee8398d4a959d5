package dev.seedstream.upstream;

import dev.seedstream.config.UpstreamEntry;

import java.util.ArrayDeque;

/**
 * One upstream of the pool as it stands now: its entry (replaced when a reload rotates its key), its circuit
 * breaker, the end of a cool-down a 429 asked for, and the gateway's own counts against its limits. Calls
 * already running keep the entry they started with. Event-loop confined.
 */
final class PooledUpstream {

  private static final long MINUTE_NANOS = 60_000_000_000L;

  private UpstreamEntry entry;
  private UpstreamErrors errors;
  final CircuitBreaker breaker;
  private long coolUntilNanos;
  private int inFlight;
  /** Images asked of this upstream in the last minute: {nanos, images} per call, oldest first. */
  private final ArrayDeque<long[]> lastMinute = new ArrayDeque<>();
  private long imagesInLastMinute;

  PooledUpstream(UpstreamEntry entry, CircuitBreaker breaker) {
    this.breaker = breaker;
    use(entry);
  }

  String name() {
    return entry.name();
  }

  UpstreamEntry entry() {
    return entry;
  }

  UpstreamErrors errors() {
    return errors;
  }

  /** A new entry for the same upstream: a rotated key ends the old key's cool-down. */
  void use(UpstreamEntry next) {
    if (entry != null && !java.util.Objects.equals(next.apiKey(), entry.apiKey())) {
      coolUntilNanos = 0;
    }
    entry = next;
    errors = new UpstreamErrors(next.apiKey());
  }

  boolean coolingDown(long now) {
    return coolUntilNanos - now > 0;
  }

  long coolUntilNanos() {
    return coolUntilNanos;
  }

  void coolDown(long millis, long now) {
    coolUntilNanos = Math.max(coolUntilNanos, now + millis * 1_000_000);
  }

  /** Whether the gateway's own limits for this upstream leave room for a call of {@code images} images. */
  boolean hasRoom(int images, long now) {
    forgetBefore(now - MINUTE_NANOS);
    boolean concurrency = entry.maxConcurrency() == 0 || inFlight < entry.maxConcurrency();
    boolean rate = entry.imagesPerMinute() == 0 || imagesInLastMinute + images <= entry.imagesPerMinute();
    return concurrency && rate;
  }

  /** Seconds until the images-per-minute window has room for {@code images} again (at least 1). */
  long secondsUntilRoom(int images, long now) {
    long needed = imagesInLastMinute + images - entry.imagesPerMinute();
    for (long[] call : lastMinute) {
      needed -= call[1];
      if (needed <= 0) {
        return Math.max(1, (call[0] + MINUTE_NANOS - now + 999_999_999) / 1_000_000_000);
      }
    }
    return 1;
  }

  void started(int images, long now) {
    inFlight++;
    if (entry.imagesPerMinute() > 0) {
      lastMinute.addLast(new long[] {now, images});
      imagesInLastMinute += images;
    }
  }

  void ended() {
    inFlight--;
  }

  private void forgetBefore(long cutoff) {
    while (!lastMinute.isEmpty() && lastMinute.peekFirst()[0] - cutoff < 0) {
      imagesInLastMinute -= lastMinute.removeFirst()[1];
    }
  }
}
