package dev.seedstream.observe;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * A warning that one repeated condition would otherwise write once per event: at a thousand images a second
 * that is megabytes of log a minute, which fills the disk it warns about. The first occurrence of each kind is
 * logged; later ones within the interval are only counted (the metrics count them too), and the next occurrence
 * after the interval logs with the count of those left out. Safe from any thread: where it is used, one thread
 * calls it at a time, so its lock costs nothing.
 */
public final class RepeatedWarning {

  private final Logger log;
  private final long intervalNanos;
  private final LongSupplier nanoTime;
  private final Map<String, Window> windows = new HashMap<>();

  private static final class Window {
    long startedAt;
    long suppressed;
  }

  public RepeatedWarning(Logger log, long intervalMs, LongSupplier nanoTime) {
    this.log = log;
    this.intervalNanos = intervalMs * 1_000_000;
    this.nanoTime = nanoTime;
  }

  /**
   * Logs the message unless a warning of {@code kind} was logged less than the interval ago. The message is
   * built only when it is logged: the condition can repeat a thousand times a second.
   */
  public synchronized void warn(String kind, Supplier<String> message) {
    long now = nanoTime.getAsLong();
    Window window = windows.get(kind);
    if (window != null && now - window.startedAt < intervalNanos) {
      window.suppressed++;
      return;
    }
    long left = window == null ? 0 : window.suppressed;
    log.warning(left == 0 ? message.get() : message.get() + " (and " + left + " more like it in the last "
      + intervalNanos / 1_000_000_000 + " s, not logged)");
    Window next = window == null ? new Window() : window;
    next.startedAt = now;
    next.suppressed = 0;
    windows.put(kind, next);
  }
}
