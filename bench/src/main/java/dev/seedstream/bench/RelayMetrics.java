package dev.seedstream.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/** A Seedstream relay's {@code /metrics} page, read the way the harness's samplers and waits read it. */
final class RelayMetrics {

  private RelayMetrics() {
  }

  /** The page of the relay on {@code port}, or null when it does not answer within {@code readTimeoutMs}. */
  static String scrape(int port, int readTimeoutMs) {
    try {
      HttpURLConnection connection = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/metrics").toURL()
        .openConnection();
      connection.setConnectTimeout(1_000);
      connection.setReadTimeout(readTimeoutMs);
      try (InputStream in = connection.getInputStream()) {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    } catch (IOException e) {
      return null;
    }
  }
}
