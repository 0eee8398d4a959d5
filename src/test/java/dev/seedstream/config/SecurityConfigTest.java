package dev.seedstream.config;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("Configuration of access control and hardening")
class SecurityConfigTest {

  @Test
  @DisplayName("defaults: no tokens, 500 images per minute per client, any image host, 10 s headers, 120 s bodies")
  void defaults() {
    GatewayConfig config = ConfigLoader.load(Map.of());
    assertThat(config.access().tokens()).isNull();
    assertThat(config.limits().imagesPerMinutePerClient()).isEqualTo(500);
    assertThat(config.upstream().imageHosts()).isEmpty();
    assertThat(config.timeouts().headerTimeoutMs()).isEqualTo(10_000);
    assertThat(config.timeouts().bodyTimeoutMs()).isEqualTo(120_000);
  }

  @Test
  @DisplayName("image hosts are normalised to CSP origins; a bad entry stops start-up naming the key")
  void imageHosts() {
    GatewayConfig config = ConfigLoader.load(Map.of("SEEDSTREAM_IMAGE_HOSTS", "*.Volces.com, http://127.0.0.1:8081/"));
    assertThat(config.upstream().imageHosts()).containsExactly("https://*.volces.com", "http://127.0.0.1:8081");
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("SEEDSTREAM_IMAGE_HOSTS", "javascript:alert(1)")))
      .isInstanceOf(ConfigException.class).hasMessageContaining("SEEDSTREAM_IMAGE_HOSTS");
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("SEEDSTREAM_IMAGE_HOSTS", "https://a.example/path")))
      .isInstanceOf(ConfigException.class);
  }

  @Test
  @DisplayName("X2 a malformed token list stops start-up without printing the token; toString never shows it")
  void tokens() {
    // The list is parsed once, when the gateway starts (Main exits with 2 on a ConfigException from there too).
    io.vertx.core.Vertx vertx = dev.seedstream.Gateway.newVertx();
    try {
      GatewayConfig malformed = ConfigLoader.load(Map.of("SEEDSTREAM_TOKENS", "alice=secret-token-0123456789",
        "SEEDSTREAM_PORT", "0", "SEEDSTREAM_STORE_IMAGES", "false"));
      assertThatThrownBy(() -> dev.seedstream.Gateway.start(vertx, malformed).await())
        .isInstanceOf(ConfigException.class).hasMessageContaining("SEEDSTREAM_TOKENS")
        .hasMessageNotContaining("secret-token-0123456789");
    } finally {
      vertx.close().await();
    }
    GatewayConfig config = ConfigLoader.load(Map.of("SEEDSTREAM_TOKENS", "alice:secret-token-0123456789"));
    assertThat(config.toString()).doesNotContain("secret-token").contains("tokens=set");
  }

  @Test
  @DisplayName("the images-per-minute limit must be positive")
  void imagesPerMinute() {
    assertThat(ConfigLoader.load(Map.of("SEEDSTREAM_IMAGES_PER_MINUTE_PER_CLIENT", "60")).limits().imagesPerMinutePerClient()).isEqualTo(60);
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("SEEDSTREAM_IMAGES_PER_MINUTE_PER_CLIENT", "0")))
      .isInstanceOf(ConfigException.class).hasMessageContaining("SEEDSTREAM_IMAGES_PER_MINUTE_PER_CLIENT");
  }
}
