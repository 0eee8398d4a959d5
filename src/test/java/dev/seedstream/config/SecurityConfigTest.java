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
    assertThat(config.tokens()).isNull();
    assertThat(config.imagesPerMinutePerClient()).isEqualTo(500);
    assertThat(config.imageHosts()).isEmpty();
    assertThat(config.headerTimeoutMs()).isEqualTo(10_000);
    assertThat(config.bodyTimeoutMs()).isEqualTo(120_000);
  }

  @Test
  @DisplayName("image hosts are normalised to CSP origins; a bad entry stops start-up naming the key")
  void imageHosts() {
    GatewayConfig config = ConfigLoader.load(Map.of("SEEDSTREAM_IMAGE_HOSTS", "*.Volces.com, http://127.0.0.1:8081/"));
    assertThat(config.imageHosts()).containsExactly("https://*.volces.com", "http://127.0.0.1:8081");
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("SEEDSTREAM_IMAGE_HOSTS", "javascript:alert(1)")))
      .isInstanceOf(ConfigException.class).hasMessageContaining("SEEDSTREAM_IMAGE_HOSTS");
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("SEEDSTREAM_IMAGE_HOSTS", "https://a.example/path")))
      .isInstanceOf(ConfigException.class);
  }

  @Test
  @DisplayName("X2 a malformed token list stops start-up without printing the token; toString never shows it")
  void tokens() {
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("SEEDSTREAM_TOKENS", "alice=secret-token-0123456789")))
      .isInstanceOf(ConfigException.class).hasMessageContaining("SEEDSTREAM_TOKENS")
      .hasMessageNotContaining("secret-token-0123456789");
    GatewayConfig config = ConfigLoader.load(Map.of("SEEDSTREAM_TOKENS", "alice:secret-token-0123456789"));
    assertThat(config.toString()).doesNotContain("secret-token").contains("tokens=set");
  }

  @Test
  @DisplayName("the images-per-minute limit must be positive")
  void imagesPerMinute() {
    assertThat(ConfigLoader.load(Map.of("SEEDSTREAM_IMAGES_PER_MINUTE_PER_CLIENT", "60")).imagesPerMinutePerClient()).isEqualTo(60);
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("SEEDSTREAM_IMAGES_PER_MINUTE_PER_CLIENT", "0")))
      .isInstanceOf(ConfigException.class).hasMessageContaining("SEEDSTREAM_IMAGES_PER_MINUTE_PER_CLIENT");
  }
}
