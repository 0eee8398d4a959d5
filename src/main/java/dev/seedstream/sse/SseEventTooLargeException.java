package dev.seedstream.sse;

/**
 * An incoming event grew past the parser's byte cap. Terminal for the stream: retrying would read
 * the same oversized event again, so callers must fail the request instead of reconnecting.
 */
public final class SseEventTooLargeException extends RuntimeException {

  private final int maxEventBytes;

  public SseEventTooLargeException(int maxEventBytes) {
    super("SSE event exceeds the cap of " + maxEventBytes + " bytes");
    this.maxEventBytes = maxEventBytes;
  }

  public int maxEventBytes() {
    return maxEventBytes;
  }
}
