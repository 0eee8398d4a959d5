package dev.seedstream.simulator;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class JpegCacheTest {

  @Test
  @DisplayName("the least recently used images go first once the byte budget is passed")
  void evictsLeastRecentlyUsed() {
    JpegCache cache = new JpegCache(10);
    cache.put("a", new byte[4]);
    cache.put("b", new byte[4]);
    cache.get("a");

    cache.put("c", new byte[4]);

    assertThat(cache.get("a")).isPresent();
    assertThat(cache.get("b")).isEmpty();
    assertThat(cache.get("c")).isPresent();
    assertThat(cache.totalBytes()).isEqualTo(8);
  }

  @Test
  @DisplayName("replacing an entry counts only the new bytes, and an oversized image does not stay")
  void replacesAndRefusesOversized() {
    JpegCache cache = new JpegCache(10);
    cache.put("a", new byte[6]);
    cache.put("a", new byte[3]);
    assertThat(cache.totalBytes()).isEqualTo(3);

    cache.put("huge", new byte[11]);

    assertThat(cache.get("huge")).isEmpty();
    assertThat(cache.totalBytes()).isZero();
  }
}
