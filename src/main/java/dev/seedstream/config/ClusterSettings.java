package dev.seedstream.config;

import java.util.List;

/**
 * Clustered mode ({@code SEEDSTREAM_CLUSTER=true}): where this node's Hazelcast member binds, which members it
 * joins over TCP, and the shared secret. Off, no cluster machinery is started at all.
 */
public record ClusterSettings(boolean enabled, String host, int port, List<String> members, String secret) {

  public static final int MIN_SECRET_CHARS = 32;
  public static final ClusterSettings OFF = new ClusterSettings(false, "127.0.0.1", 5701, List.of(), null);

  public ClusterSettings {
    members = List.copyOf(members);
  }

  /** Never prints the secret. */
  @Override
  public String toString() {
    return "ClusterSettings[enabled=" + enabled + ", host=" + host + ", port=" + port + ", members=" + members + "]";
  }
}
