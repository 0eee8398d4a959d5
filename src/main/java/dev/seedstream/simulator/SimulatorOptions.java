package dev.seedstream.simulator;

import java.util.Set;

/**
 * How the simulated upstream behaves: where it listens, the key it accepts, how long images take,
 * how small the real JPEGs are drawn, and which failures it injects. Tests shrink the delays to a few
 * milliseconds; the defaults feel like the real service so a demo shows images arriving one by one.
 *
 * @param imageScale the JPEG is drawn at (width / imageScale) x (height / imageScale), at least 16 px a side
 * @param failIndexes image indexes answered with {@code image_generation.partial_failed}
 * @param failRequestStatus 0, or the HTTP status (400-599) every generation request is refused with
 * @param failMidStreamAfterImages -1, or N: after N image events the request dies with a fatal error frame
 * @param crlf end every stream line with CRLF instead of LF
 * @param failMessage the message a {@code failIndexes} image fails with; Ark's content-filter sentence by default
 */
public record SimulatorOptions(String host, int port, String apiKey, long firstImageDelayMs,
                               long betweenImagesDelayMs, int imageScale, Set<Integer> failIndexes,
                               int failRequestStatus, int failMidStreamAfterImages, long urlTtlMs,
                               boolean crlf, String failMessage) {

  /** The most images one request can ask for, so larger indexes could never fail. */
  private static final int MAX_IMAGE_INDEX = 14;

  public SimulatorOptions {
    require(host != null && !host.isBlank(), "host must not be blank");
    require(port >= 0 && port <= 65535, "port must be within [0, 65535], got " + port);
    require(apiKey != null && !apiKey.isBlank(), "apiKey must not be blank");
    require(firstImageDelayMs >= 0, "firstImageDelayMs must be >= 0, got " + firstImageDelayMs);
    require(betweenImagesDelayMs >= 0, "betweenImagesDelayMs must be >= 0, got " + betweenImagesDelayMs);
    require(imageScale >= 1 && imageScale <= 256, "imageScale must be within [1, 256], got " + imageScale);
    require(failIndexes != null, "failIndexes must not be null");
    failIndexes = Set.copyOf(failIndexes);
    require(failIndexes.stream().allMatch(i -> i >= 0 && i <= MAX_IMAGE_INDEX),
      "failIndexes must lie within [0, " + MAX_IMAGE_INDEX + "], got " + failIndexes);
    require(failRequestStatus == 0 || (failRequestStatus >= 400 && failRequestStatus <= 599),
      "failRequestStatus must be 0 or within [400, 599], got " + failRequestStatus);
    require(failMidStreamAfterImages >= -1,
      "failMidStreamAfterImages must be -1 (off) or >= 0, got " + failMidStreamAfterImages);
    require(urlTtlMs > 0, "urlTtlMs must be > 0, got " + urlTtlMs);
    require(failMessage != null && !failMessage.isBlank(), "failMessage must not be blank");
  }

  /** Loopback on a free port, real-service timing, no failures, 24 h URLs, LF line ends. */
  public static SimulatorOptions defaults(String apiKey) {
    return new SimulatorOptions("127.0.0.1", 0, apiKey, 3000, 2500, 4, Set.of(), 0, -1,
      24L * 60 * 60 * 1000, false, UpstreamError.SENSITIVE_OUTPUT_MESSAGE);
  }

  public SimulatorOptions withHost(String value) {
    return new SimulatorOptions(value, port, apiKey, firstImageDelayMs, betweenImagesDelayMs, imageScale,
      failIndexes, failRequestStatus, failMidStreamAfterImages, urlTtlMs, crlf, failMessage);
  }

  public SimulatorOptions withPort(int value) {
    return new SimulatorOptions(host, value, apiKey, firstImageDelayMs, betweenImagesDelayMs, imageScale,
      failIndexes, failRequestStatus, failMidStreamAfterImages, urlTtlMs, crlf, failMessage);
  }

  public SimulatorOptions withDelays(long firstImageMs, long betweenImagesMs) {
    return new SimulatorOptions(host, port, apiKey, firstImageMs, betweenImagesMs, imageScale,
      failIndexes, failRequestStatus, failMidStreamAfterImages, urlTtlMs, crlf, failMessage);
  }

  public SimulatorOptions withImageScale(int value) {
    return new SimulatorOptions(host, port, apiKey, firstImageDelayMs, betweenImagesDelayMs, value,
      failIndexes, failRequestStatus, failMidStreamAfterImages, urlTtlMs, crlf, failMessage);
  }

  public SimulatorOptions withFailIndexes(Set<Integer> value) {
    return new SimulatorOptions(host, port, apiKey, firstImageDelayMs, betweenImagesDelayMs, imageScale,
      value, failRequestStatus, failMidStreamAfterImages, urlTtlMs, crlf, failMessage);
  }

  public SimulatorOptions withFailRequestStatus(int value) {
    return new SimulatorOptions(host, port, apiKey, firstImageDelayMs, betweenImagesDelayMs, imageScale,
      failIndexes, value, failMidStreamAfterImages, urlTtlMs, crlf, failMessage);
  }

  public SimulatorOptions withFailMidStreamAfterImages(int value) {
    return new SimulatorOptions(host, port, apiKey, firstImageDelayMs, betweenImagesDelayMs, imageScale,
      failIndexes, failRequestStatus, value, urlTtlMs, crlf, failMessage);
  }

  public SimulatorOptions withUrlTtlMs(long value) {
    return new SimulatorOptions(host, port, apiKey, firstImageDelayMs, betweenImagesDelayMs, imageScale,
      failIndexes, failRequestStatus, failMidStreamAfterImages, value, crlf, failMessage);
  }

  public SimulatorOptions withCrlf(boolean value) {
    return new SimulatorOptions(host, port, apiKey, firstImageDelayMs, betweenImagesDelayMs, imageScale,
      failIndexes, failRequestStatus, failMidStreamAfterImages, urlTtlMs, value, failMessage);
  }

  public SimulatorOptions withFailMessage(String value) {
    return new SimulatorOptions(host, port, apiKey, firstImageDelayMs, betweenImagesDelayMs, imageScale,
      failIndexes, failRequestStatus, failMidStreamAfterImages, urlTtlMs, crlf, value);
  }

  /** Leaves the key out, so logging the options never prints it. */
  @Override
  public String toString() {
    return "SimulatorOptions[host=" + host + ", port=" + port + ", apiKey=***, firstImageDelayMs=" + firstImageDelayMs
      + ", betweenImagesDelayMs=" + betweenImagesDelayMs + ", imageScale=" + imageScale + ", failIndexes="
      + failIndexes + ", failRequestStatus=" + failRequestStatus + ", failMidStreamAfterImages="
      + failMidStreamAfterImages + ", urlTtlMs=" + urlTtlMs + ", crlf=" + crlf + ", failMessage=" + failMessage + "]";
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }
}
