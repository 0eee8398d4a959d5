package dev.seedstream.bench;

import io.vertx.core.json.JsonObject;

/**
 * The relay's side of one run: CPU seconds used, resident memory before, at its peak and after, and when
 * asked, a Seedstream relay's peak off-heap buffer memory. For the direct comparator there is no relay and
 * every figure is absent.
 */
final class RelayMeter {

  private final ProcessProbe relay;
  private final long startNanos = System.nanoTime();
  private final double cpuStart;
  private final long rssStartKiB;
  private double cpuSeconds = Double.NaN;
  private long rssEndKiB = -1;
  private long rssPeakKiB = -1;
  private double wallSeconds;
  private final Sampler direct;
  private long directPeakBytes = -1;

  private RelayMeter(ProcessProbe relay, Sampler direct) {
    this.relay = relay;
    this.direct = direct;
    if (relay != null) {
      relay.resetPeakRss();
      cpuStart = relay.cpuSeconds();
      rssStartKiB = relay.rssKiB();
    } else {
      cpuStart = Double.NaN;
      rssStartKiB = -1;
    }
  }

  static RelayMeter start(ProcessProbe relay) {
    return new RelayMeter(relay, null);
  }

  /** Also samples the relay's off-heap buffer memory every 250 ms, when it is Seedstream's. */
  static RelayMeter startWithDirectMemory(Comparator target) {
    return new RelayMeter(target.relay(), target.isSeedstream() ? DirectMemorySampler.start(target.port(), 250) : null);
  }

  RelayMeter stop() {
    wallSeconds = (System.nanoTime() - startNanos) / 1e9;
    if (relay != null) {
      cpuSeconds = relay.cpuSeconds() - cpuStart;
      rssEndKiB = relay.rssKiB();
      rssPeakKiB = relay.peakRssKiB();
    }
    if (direct != null) {
      direct.close();
      direct.sampleNow();
      directPeakBytes = direct.max();
    }
    return this;
  }

  /** Highest off-heap buffer memory sampled; -1 when not sampled. */
  long directPeakBytes() {
    return directPeakBytes;
  }

  double cpuSeconds() {
    return cpuSeconds;
  }

  long rssPeakKiB() {
    return rssPeakKiB;
  }

  long rssStartKiB() {
    return rssStartKiB;
  }

  double wallSeconds() {
    return wallSeconds;
  }

  JsonObject toJson() {
    JsonObject json = new JsonObject().put("wall_s", Report.round(wallSeconds, 2));
    if (relay != null) {
      json.put("relay_cpu_s", Report.num(cpuSeconds, 3))
        .put("relay_cpu_pct", Report.num(100 * cpuSeconds / wallSeconds, 1))
        .put("relay_rss_start_kib", rssStartKiB).put("relay_rss_peak_kib", rssPeakKiB)
        .put("relay_rss_end_kib", rssEndKiB);
    }
    if (directPeakBytes >= 0) {
      json.put("relay_direct_peak_bytes", directPeakBytes);
    }
    return json;
  }
}
