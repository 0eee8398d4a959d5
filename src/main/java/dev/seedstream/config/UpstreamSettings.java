package dev.seedstream.config;

import java.util.List;

/**
 * The upstream the gateway calls: its URL and key (never printed: {@link #toString()} hides it), whether the
 * embedded simulator stands in for it, how often a call refused before any work is retried, and the origins
 * generated images may come from (empty: any).
 */
public record UpstreamSettings(String apiKey, String url, Simulate simulate, int retries, long retryMaxDelayMs,
                               List<String> imageHosts) {

  /** Whether the embedded simulator stands in for the upstream. */
  public enum Simulate { AUTO, TRUE, FALSE }

  public boolean useSimulator() {
    return simulate == Simulate.TRUE || (simulate == Simulate.AUTO && apiKey == null);
  }

  /** Aimed at another upstream with another key: how the simulator (or a test's fake) is wired in. */
  public UpstreamSettings aimedAt(String otherUrl, String otherKey) {
    return new UpstreamSettings(otherKey, otherUrl, Simulate.FALSE, retries, retryMaxDelayMs, imageHosts);
  }

  /** Also admitting images from {@code origin}, when image hosts are restricted at all. */
  public UpstreamSettings withImageHost(String origin) {
    if (imageHosts.isEmpty()) {
      return this;
    }
    List<String> hosts = new java.util.ArrayList<>(imageHosts);
    hosts.add(origin);
    return new UpstreamSettings(apiKey, url, simulate, retries, retryMaxDelayMs, List.copyOf(hosts));
  }

  @Override
  public String toString() {
    return "UpstreamSettings[url=" + url + ", apiKey=" + (apiKey == null ? "none" : "set") + ", simulate=" + simulate
      + ", retries=" + retries + "]";
  }
}
