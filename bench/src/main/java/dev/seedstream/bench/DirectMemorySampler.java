package dev.seedstream.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Polls a Seedstream relay's {@code /metrics} for its off-heap buffer memory (the JVM's direct buffers,
 * the event block pool among them, plus Netty's own), on a thread of its own, and keeps the highest value.
 * Only S4 asks for it: each scrape costs the relay a little CPU and garbage, which S2's latencies should not
 * carry. nginx has no such figure; its RSS holds all its buffers.
 */
final class DirectMemorySampler {

  static final String METRIC = "seedstream_direct_memory_used_bytes";

  private final URI uri;
  private final AtomicLong peak = new AtomicLong(-1);
  private final Thread thread;
  private volatile boolean running = true;

  DirectMemorySampler(int port, long everyMs) {
    uri = URI.create("http://127.0.0.1:" + port + "/metrics");
    thread = new Thread(() -> {
      while (running) {
        sample();
        try {
          Thread.sleep(everyMs);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "direct-memory-sampler");
    thread.setDaemon(true);
    thread.start();
  }

  /** Stops polling, takes one last sample, and returns the highest value seen; -1 when none was read. */
  long stop() {
    running = false;
    thread.interrupt();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    sample();
    return peak.get();
  }

  private void sample() {
    try {
      HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
      connection.setConnectTimeout(1_000);
      connection.setReadTimeout(2_000);
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(connection.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          if (line.startsWith(METRIC + " ")) {
            long bytes = (long) Double.parseDouble(line.substring(METRIC.length() + 1).trim());
            peak.accumulateAndGet(bytes, Math::max);
          }
        }
      }
    } catch (IOException | NumberFormatException e) {
      // A missed sample: the peak is read from the others, and -1 says when there were none.
    }
  }
}
