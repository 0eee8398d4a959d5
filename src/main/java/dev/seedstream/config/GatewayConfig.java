package dev.seedstream.config;

/**
 * Everything the gateway is configured with, read once at start-up by {@link ConfigLoader} and passed down
 * through constructors, in groups. Secrets are never printed: {@link #toString()} shows only whether they are set.
 */
public record GatewayConfig(
  ServerSettings server,
  UpstreamSettings upstream,
  Timeouts timeouts,
  Limits limits,
  AccessSettings access,
  StoreSettings store,
  SimulatorSettings simulator,
  ObservabilitySettings observability,
  ClusterSettings cluster) {

  public boolean useSimulator() {
    return upstream.useSimulator();
  }

  /** A copy aimed at another upstream with another key: how the simulator (or a test's fake) is wired in. */
  public GatewayConfig withUpstream(String url, String key) {
    return new GatewayConfig(server, upstream.aimedAt(url, key), timeouts, limits, access, store, simulator, observability, cluster);
  }

  /** A copy with other image-store settings: how the simulator's own origin becomes fetchable. */
  public GatewayConfig withStore(StoreSettings settings) {
    return new GatewayConfig(server, upstream, timeouts, limits, access, settings, simulator, observability, cluster);
  }

  /** A copy that also admits images from {@code origin}: the simulator serves its images itself. */
  public GatewayConfig withImageHost(String origin) {
    return new GatewayConfig(server, upstream.withImageHost(origin), timeouts, limits, access, store, simulator,
      observability, cluster);
  }

  @Override
  public String toString() {
    return "GatewayConfig[host=" + server.host() + ", port=" + server.port() + ", " + upstream + ", maxActiveJobs="
      + limits.maxActiveJobs() + ", " + access + "]";
  }
}
