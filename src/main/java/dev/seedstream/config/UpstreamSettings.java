package dev.seedstream.config;

import java.util.List;

/**
 * The upstreams the gateway calls: the single upstream's URL and key (never printed: {@link #toString()} hides
 * it) or a pool of them ({@code SEEDSTREAM_UPSTREAMS}), whether the embedded simulator stands in, how often a
 * call refused before any work is retried, when an upstream's circuit breaker opens and for how long, and the
 * origins generated images may come from (empty: any).
 *
 * @param pool       the pool as read at start-up; empty when the single-upstream settings are used
 * @param poolSource where the pool is read again on reload; null for the single-upstream settings
 */
public record UpstreamSettings(String apiKey, String url, Simulate simulate, int retries, long retryMaxDelayMs,
                               List<String> imageHosts, List<UpstreamEntry> pool, UpstreamPoolSource poolSource,
                               int breakerFailures, long breakerCooldownMs) {

  /** Whether the embedded simulator stands in for the upstream. */
  public enum Simulate { AUTO, TRUE, FALSE }

  public boolean useSimulator() {
    return simulate == Simulate.TRUE || (simulate == Simulate.AUTO && apiKey == null && poolSource == null);
  }

  /** The upstreams to call: the pool, or the single-upstream settings as a pool of one. */
  public List<UpstreamEntry> entries() {
    if (poolSource != null) {
      return pool;
    }
    return List.of(new UpstreamEntry(UpstreamEntry.DEFAULT_NAME, url, "env SEEDSTREAM_API_KEY", apiKey, 0, 1, List.of(), 0, 0));
  }

  /** Aimed at another upstream with another key: how the simulator (or a test's fake) is wired in. */
  public UpstreamSettings aimedAt(String otherUrl, String otherKey) {
    return new UpstreamSettings(otherKey, otherUrl, Simulate.FALSE, retries, retryMaxDelayMs, imageHosts, List.of(), null,
      breakerFailures, breakerCooldownMs);
  }

  /** Also admitting images from {@code origin}, when image hosts are restricted at all. */
  public UpstreamSettings withImageHost(String origin) {
    if (imageHosts.isEmpty()) {
      return this;
    }
    List<String> hosts = new java.util.ArrayList<>(imageHosts);
    hosts.add(origin);
    return new UpstreamSettings(apiKey, url, simulate, retries, retryMaxDelayMs, List.copyOf(hosts), pool, poolSource,
      breakerFailures, breakerCooldownMs);
  }

  @Override
  public String toString() {
    String target = poolSource == null ? "url=" + url + ", apiKey=" + (apiKey == null ? "none" : "set")
      : "pool=" + pool.stream().map(UpstreamEntry::name).toList();
    return "UpstreamSettings[" + target + ", simulate=" + simulate + ", retries=" + retries + "]";
  }
}
