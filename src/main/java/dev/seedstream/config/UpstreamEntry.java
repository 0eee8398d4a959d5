package dev.seedstream.config;

import java.util.List;

/**
 * One upstream of the pool: where it is, the key it is called with (read from the environment variable or
 * file the pool names, never from the pool itself, and never printed: {@link #toString()} hides it), when it
 * is tried (lowest {@code priority} first, {@code weight} sharing among equals), the models it serves (empty:
 * every model), and the gateway's own limits for it (0: none).
 */
public record UpstreamEntry(String name, String url, String keySource, String apiKey, int priority, int weight,
                            List<String> models, int maxConcurrency, int imagesPerMinute) {

  /** The name a pool of one (the single-upstream settings) goes by in events and metrics. */
  public static final String DEFAULT_NAME = "default";

  public boolean serves(String model) {
    return models.isEmpty() || models.contains(model);
  }

  @Override
  public String toString() {
    return "UpstreamEntry[name=" + name + ", url=" + url + ", key=" + keySource + (apiKey == null ? " (unset)" : " (set)")
      + ", priority=" + priority + ", weight=" + weight + ", models=" + models + "]";
  }
}
