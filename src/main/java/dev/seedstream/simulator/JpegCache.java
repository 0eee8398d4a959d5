package dev.seedstream.simulator;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Rendered JPEGs by token, least recently used evicted first once the total passes a byte budget. */
final class JpegCache {

  private final long maxBytes;
  private final LinkedHashMap<String, byte[]> entries = new LinkedHashMap<>(16, 0.75f, true);
  private long totalBytes;

  JpegCache(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  Optional<byte[]> get(String token) {
    return Optional.ofNullable(entries.get(token));
  }

  void put(String token, byte[] jpeg) {
    byte[] previous = entries.put(token, jpeg);
    totalBytes += jpeg.length - (previous == null ? 0 : previous.length);
    evictOverBudget();
  }

  long totalBytes() {
    return totalBytes;
  }

  private void evictOverBudget() {
    Iterator<Map.Entry<String, byte[]>> eldestFirst = entries.entrySet().iterator();
    while (totalBytes > maxBytes && eldestFirst.hasNext()) {
      totalBytes -= eldestFirst.next().getValue().length;
      eldestFirst.remove();
    }
  }
}
