package dev.seedstream.store;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Upstream URL expiry")
class UrlExpiryTest {

  static final long NOW = Instant.parse("2025-11-25T12:00:00Z").toEpochMilli();

  @Test
  @DisplayName("TOS signing date plus lifetime")
  void tosSignature() {
    String url = "https://ark.tos.example.com/a.jpeg?X-Tos-Algorithm=TOS4-HMAC-SHA256&X-Tos-Date=20251125T100000Z&X-Tos-Expires=86400&X-Tos-Signature=x";
    assertThat(UrlExpiry.of(url, NOW)).isEqualTo(Instant.parse("2025-11-26T10:00:00Z").toEpochMilli());
  }

  @Test
  @DisplayName("a lifetime without a date counts from now; the simulator's absolute expires wins")
  void lifetimeAndAbsolute() {
    assertThat(UrlExpiry.of("https://h.example.com/a?X-Tos-Expires=60", NOW)).isEqualTo(NOW + 60_000);
    assertThat(UrlExpiry.of("http://127.0.0.1:1/images/t.jpeg?X-Tos-Expires=86400&expires=1764072000000&sig=s", NOW))
      .isEqualTo(1764072000000L);
  }

  @Test
  @DisplayName("no readable expiry means the documented 24 hours")
  void fallback() {
    assertThat(UrlExpiry.of("https://h.example.com/a.jpeg", NOW)).isEqualTo(NOW + UrlExpiry.DEFAULT_TTL_MS);
    assertThat(UrlExpiry.of("https://h.example.com/a.jpeg?X-Tos-Expires=soon", NOW)).isEqualTo(NOW + UrlExpiry.DEFAULT_TTL_MS);
    assertThat(UrlExpiry.of("not a url at all", NOW)).isEqualTo(NOW + UrlExpiry.DEFAULT_TTL_MS);
  }
}
