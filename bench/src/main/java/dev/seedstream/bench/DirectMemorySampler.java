package dev.seedstream.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * A Seedstream relay's off-heap buffer memory (the JVM's direct buffers, the event block pool among them,
 * plus Netty's own), read from its {@code /metrics}. Only S4 samples it: each scrape costs the relay a
 * little CPU and garbage, which S2's latencies should not carry. nginx has no such figure; its RSS holds
 * all its buffers.
 */
final class DirectMemorySampler {

  static final String METRIC = "seedstream_direct_memory_used_bytes";

  private DirectMemorySampler() {
  }

  /** Samples the relay on {@code port} every {@code everyMs}; a scrape that fails is a sample of -1. */
  static Sampler start(int port, long everyMs) {
    URI uri = URI.create("http://127.0.0.1:" + port + "/metrics");
    return new Sampler("direct-memory-sampler", everyMs, () -> true, () -> read(uri));
  }

  private static long read(URI uri) {
    try {
      HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
      connection.setConnectTimeout(1_000);
      connection.setReadTimeout(2_000);
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(connection.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          if (line.startsWith(METRIC + " ")) {
            return (long) Double.parseDouble(line.substring(METRIC.length() + 1).trim());
          }
        }
      }
    } catch (IOException | NumberFormatException e) {
      // A missed sample: the peak is read from the others.
    }
    return -1;
  }
}
