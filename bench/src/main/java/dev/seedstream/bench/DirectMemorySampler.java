package dev.seedstream.bench;

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
    return new Sampler("direct-memory-sampler", everyMs, () -> true, () -> read(port));
  }

  private static long read(int port) {
    String page = RelayMetrics.scrape(port, 2_000);
    if (page != null) {
      for (String line : page.split("\n")) {
        if (line.startsWith(METRIC + " ")) {
          try {
            return (long) Double.parseDouble(line.substring(METRIC.length() + 1).trim());
          } catch (NumberFormatException e) {
            break;
          }
        }
      }
    }
    // A missed sample: the peak is read from the others.
    return -1;
  }
}
