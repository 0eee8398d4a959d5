package dev.seedstream.bench;

import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything the load client measured in one run against one comparator. Latencies are kept in
 * nanoseconds in auto-resizing HdrHistograms (3 significant digits). Only the client's context writes it.
 */
final class RunStats {

  final Histogram lastByte = histogram();
  final Histogram firstByte = histogram();
  final Histogram pausedLastByte = histogram();
  /** Events before the run's measured window ({@link LoadClient.Run#recordFrom}), fast readers only. */
  final Histogram openingLastByte = histogram();
  final Histogram timeToHead = histogram();
  final Histogram timeToFirstEvent = histogram();
  final Map<String, Integer> errors = new TreeMap<>();
  long streamsStarted;
  long streamsEstablished;
  long streamsCompleted;
  long events;
  long eventBytes;
  long imageFailures;
  long notAvailable;
  /**
   * With BENCH_TRACE set to a folder, the send stamp and latency of every measured event too, written there
   * after the run: stamps are System.nanoTime(), CLOCK_MONOTONIC, so slow events can be lined up with
   * `perf record -k mono` and `-Xlog:...:timenanos` (results/2026-11-26-intrusions/). At most a million events
   * per run are kept (16 MB); off by default.
   */
  private static final String TRACE_DIR = System.getenv("BENCH_TRACE");
  private final long[] trace = TRACE_DIR == null ? null : new long[2_000_000];
  private int traced;

  private static Histogram histogram() {
    return new Histogram(3);
  }

  void error(String errorClass) {
    errors.merge(errorClass, 1, Integer::sum);
  }

  long errorCount() {
    return errors.values().stream().mapToLong(Integer::longValue).sum();
  }

  void trace(long stampNanos, long latencyNanos) {
    if (trace != null && traced + 2 <= trace.length) {
      trace[traced++] = stampNanos;
      trace[traced++] = latencyNanos;
    }
  }

  /** One "stamp latency" line per traced event, in {@code <BENCH_TRACE>/<comparator>-<nanoTime>.txt}. */
  void writeTrace(String comparator) {
    if (trace == null || traced == 0) {
      return;
    }
    Path file = Path.of(TRACE_DIR, comparator + "-" + System.nanoTime() + ".txt");
    try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(file))) {
      for (int i = 0; i < traced; i += 2) {
        out.println(trace[i] + " " + trace[i + 1]);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static double micros(Histogram h, double percentile) {
    return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(percentile) / 1000.0;
  }

  static JsonObject summary(Histogram h) {
    JsonObject json = new JsonObject().put("count", h.getTotalCount());
    if (h.getTotalCount() > 0) {
      json.put("p50_us", micros(h, 50)).put("p90_us", micros(h, 90)).put("p99_us", micros(h, 99))
        .put("p99_9_us", micros(h, 99.9)).put("max_us", h.getMaxValue() / 1000.0)
        .put("mean_us", Report.round(h.getMean() / 1000.0, 1));
    }
    return json;
  }

  JsonObject errorsJson() {
    JsonObject json = new JsonObject();
    errors.forEach(json::put);
    return json;
  }

  JsonObject toJson() {
    return new JsonObject()
      .put("streams_started", streamsStarted).put("streams_established", streamsEstablished)
      .put("streams_completed", streamsCompleted).put("events", events).put("event_bytes", eventBytes)
      .put("image_failures", imageFailures).put("errors", errorsJson())
      .put("event_latency_last_byte", summary(lastByte)).put("event_latency_first_byte", summary(firstByte))
      .put("paused_readers_last_byte", summary(pausedLastByte))
      .put("event_latency_before_measured_window", summary(openingLastByte))
      .put("time_to_head", summary(timeToHead)).put("time_to_first_event", summary(timeToFirstEvent));
  }
}
