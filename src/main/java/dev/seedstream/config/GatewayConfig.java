package dev.seedstream.config;

import java.nio.file.Path;
import java.util.List;

/**
 * Everything the gateway is configured with, read once at start-up by {@link ConfigLoader}
 * and passed down through constructors. The API key is never printed: {@link #toString()} hides it.
 */
public record GatewayConfig(
  String host,
  int port,
  String apiKey,
  String upstreamUrl,
  Simulate simulate,
  long heartbeatMs,
  long connectTimeoutMs,
  long firstEventTimeoutMs,
  long idleTimeoutMs,
  long totalTimeoutMs,
  long retentionMs,
  long abandonMs,
  long writeTimeoutMs,
  int maxActiveJobs,
  int maxJobsPerClient,
  long drainMs,
  String tokens,
  List<String> corsOrigins,
  int maxEventBytes,
  long maxRequestBytes,
  long maxBufferedBytes,
  int upstreamRetries,
  long upstreamRetryMaxDelayMs,
  String logFormat,
  Path modelsFile,
  Path webRoot,
  long simFirstImageDelayMs,
  long simBetweenImagesDelayMs,
  int simImageScale,
  int imagesPerMinutePerClient,
  List<String> imageHosts,
  long headerTimeoutMs,
  long bodyTimeoutMs,
  StoreSettings store,
  RequestLimits requestLimits,
  ListenerLimits listenerLimits,
  AccessSettings access) {

  /** Whether the embedded simulator stands in for the upstream. */
  public enum Simulate { AUTO, TRUE, FALSE }

  public boolean useSimulator() {
    return simulate == Simulate.TRUE || (simulate == Simulate.AUTO && apiKey == null);
  }

  /** A copy aimed at another upstream with another key: how the simulator (or a test's fake) is wired in. */
  public GatewayConfig withUpstream(String url, String key) {
    return new GatewayConfig(host, port, key, url, Simulate.FALSE, heartbeatMs, connectTimeoutMs,
      firstEventTimeoutMs, idleTimeoutMs, totalTimeoutMs, retentionMs, abandonMs, writeTimeoutMs, maxActiveJobs,
      maxJobsPerClient, drainMs, tokens, corsOrigins, maxEventBytes, maxRequestBytes, maxBufferedBytes, upstreamRetries,
      upstreamRetryMaxDelayMs, logFormat, modelsFile, webRoot, simFirstImageDelayMs, simBetweenImagesDelayMs,
      simImageScale, imagesPerMinutePerClient, imageHosts, headerTimeoutMs, bodyTimeoutMs, store, requestLimits,
      listenerLimits, access);
  }

  /** A copy with other image-store settings: how the simulator's own origin becomes fetchable. */
  public GatewayConfig withStore(StoreSettings settings) {
    return new GatewayConfig(host, port, apiKey, upstreamUrl, simulate, heartbeatMs, connectTimeoutMs,
      firstEventTimeoutMs, idleTimeoutMs, totalTimeoutMs, retentionMs, abandonMs, writeTimeoutMs, maxActiveJobs,
      maxJobsPerClient, drainMs, tokens, corsOrigins, maxEventBytes, maxRequestBytes, maxBufferedBytes, upstreamRetries,
      upstreamRetryMaxDelayMs, logFormat, modelsFile, webRoot, simFirstImageDelayMs, simBetweenImagesDelayMs,
      simImageScale, imagesPerMinutePerClient, imageHosts, headerTimeoutMs, bodyTimeoutMs, settings, requestLimits,
      listenerLimits, access);
  }

  /** A copy that also admits images from {@code origin}: the simulator serves its images itself. */
  public GatewayConfig withImageHost(String origin) {
    if (imageHosts.isEmpty()) {
      return this;
    }
    List<String> hosts = new java.util.ArrayList<>(imageHosts);
    hosts.add(origin);
    return new GatewayConfig(host, port, apiKey, upstreamUrl, simulate, heartbeatMs, connectTimeoutMs,
      firstEventTimeoutMs, idleTimeoutMs, totalTimeoutMs, retentionMs, abandonMs, writeTimeoutMs, maxActiveJobs,
      maxJobsPerClient, drainMs, tokens, corsOrigins, maxEventBytes, maxRequestBytes, maxBufferedBytes, upstreamRetries,
      upstreamRetryMaxDelayMs, logFormat, modelsFile, webRoot, simFirstImageDelayMs, simBetweenImagesDelayMs,
      simImageScale, imagesPerMinutePerClient, List.copyOf(hosts), headerTimeoutMs, bodyTimeoutMs, store, requestLimits,
      listenerLimits, access);
  }

  @Override
  public String toString() {
    return "GatewayConfig[host=" + host + ", port=" + port + ", apiKey=" + (apiKey == null ? "none" : "set")
      + ", upstreamUrl=" + upstreamUrl + ", simulate=" + simulate + ", maxActiveJobs=" + maxActiveJobs
      + ", tokens=" + (tokens == null ? "none" : "set") + "]";
  }
}
