package dev.seedstream.config;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("Configuration: file defaults, environment overrides, clear errors")
class ConfigLoaderTest {

  @Test
  @DisplayName("the checked-in file gives the contract's defaults and no key means simulator mode")
  void defaults() {
    GatewayConfig config = ConfigLoader.load(Map.of());
    assertThat(config.server().host()).isEqualTo("127.0.0.1");
    assertThat(config.server().port()).isEqualTo(8080);
    assertThat(config.upstream().url()).isEqualTo("https://www.dmxapi.cn/v1/images/generations");
    assertThat(config.timeouts().heartbeatMs()).isEqualTo(15000);
    assertThat(config.timeouts().connectTimeoutMs()).isEqualTo(10000);
    assertThat(config.timeouts().firstEventTimeoutMs()).isEqualTo(180000);
    assertThat(config.timeouts().idleTimeoutMs()).isEqualTo(180000);
    assertThat(config.timeouts().totalTimeoutMs()).isEqualTo(900000);
    assertThat(config.timeouts().retentionMs()).isEqualTo(600000);
    assertThat(config.timeouts().abandonMs()).isEqualTo(30000);
    assertThat(config.limits().maxActiveJobs()).isEqualTo(256);
    assertThat(config.limits().maxJobsPerClient()).isEqualTo(32);
    assertThat(config.timeouts().drainMs()).isEqualTo(25000);
    assertThat(config.limits().maxEventBytes()).isEqualTo(32 << 20);
    assertThat(config.useSimulator()).isTrue();
  }

  @Test
  @DisplayName("clustered mode needs a secret of 32 characters or more from the environment, and host:port members")
  void clusterSettings() {
    assertThat(ConfigLoader.load(Map.of()).cluster().enabled()).isFalse();
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("SEEDSTREAM_CLUSTER", "true")))
      .isInstanceOf(ConfigException.class).hasMessageContaining("SEEDSTREAM_CLUSTER_SECRET is not set");
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("SEEDSTREAM_CLUSTER", "true", "SEEDSTREAM_CLUSTER_SECRET", "too-short")))
      .isInstanceOf(ConfigException.class).hasMessageContaining("at least 32 characters");
    String secret = "s".repeat(32);
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("SEEDSTREAM_CLUSTER", "true", "SEEDSTREAM_CLUSTER_SECRET", secret,
      "SEEDSTREAM_CLUSTER_MEMBERS", "10.0.0.1:5701,10.0.0.2")))
      .isInstanceOf(ConfigException.class).hasMessageContaining("'10.0.0.2' is not host:port");
    ClusterSettings cluster = ConfigLoader.load(Map.of("SEEDSTREAM_CLUSTER", "true", "SEEDSTREAM_CLUSTER_SECRET", secret,
      "SEEDSTREAM_CLUSTER_MEMBERS", "10.0.0.1:5701, 10.0.0.2:5701", "SEEDSTREAM_CLUSTER_PORT", "5702")).cluster();
    assertThat(cluster.members()).containsExactly("10.0.0.1:5701", "10.0.0.2:5701");
    assertThat(cluster.port()).isEqualTo(5702);
    assertThat(cluster.toString()).doesNotContain(secret);
  }

  @Test
  @DisplayName("the environment wins, and ARK_API_KEY (the seed's name) is accepted")
  void environmentWins() {
    GatewayConfig config = ConfigLoader.load(Map.of("SEEDSTREAM_PORT", "0", "ARK_API_KEY", "sk-abc",
      "SEEDSTREAM_CORS_ORIGINS", "https://a.example, https://b.example"));
    assertThat(config.server().port()).isZero();
    assertThat(config.upstream().apiKey()).isEqualTo("sk-abc");
    assertThat(config.useSimulator()).isFalse();
    assertThat(config.access().corsOrigins()).containsExactly("https://a.example", "https://b.example");
    assertThat(config.toString()).doesNotContain("sk-abc");
  }

  @Test
  @DisplayName("item 6: CORS origins 'null', '*' and origins with a path stop start-up with the reason")
  void badCorsOrigins() {
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("SEEDSTREAM_CORS_ORIGINS", "https://a.example,null")))
      .isInstanceOf(ConfigException.class).hasMessageContaining("SEEDSTREAM_CORS_ORIGINS").hasMessageContaining("'null'");
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("SEEDSTREAM_CORS_ORIGINS", "*")))
      .hasMessageContaining("'*' is not accepted");
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("SEEDSTREAM_CORS_ORIGINS", "https://a.example/app/")))
      .hasMessageContaining("is not an origin");
    assertThat(ConfigLoader.load(Map.of("SEEDSTREAM_CORS_ORIGINS", "http://localhost:3000,https://[::1]:8443")).access().corsOrigins())
      .hasSize(2);
  }

  @Test
  @DisplayName("issue 20 item 8: SEEDSTREAM_SIMULATE=false without a key refuses to start, naming both settings")
  void simulatorOffNeedsAKey() {
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("SEEDSTREAM_SIMULATE", "false")))
      .isInstanceOf(ConfigException.class).hasMessageContaining("SEEDSTREAM_SIMULATE=false")
      .hasMessageContaining("SEEDSTREAM_API_KEY");
    assertThat(ConfigLoader.load(Map.of("SEEDSTREAM_SIMULATE", "false", "ARK_API_KEY", "ark-key")).useSimulator()).isFalse();
  }

  @Test
  @DisplayName("issue 20 item 9: an unknown SEEDSTREAM_ variable is named in a warning with the closest known one")
  void unknownVariablesAreNamed() {
    assertThat(ConfigLoader.unknownSettings(Map.of("SEEDSTREAM_MAX_JOB_PER_CLIENT", "4", "SEEDSTREAM_PORT", "1",
      "SEEDSTREAM_API_KEY", "k", "HOME", "/root")))
      .containsExactly("ignoring SEEDSTREAM_MAX_JOB_PER_CLIENT: the gateway has no such setting; did you mean "
        + "SEEDSTREAM_MAX_JOBS_PER_CLIENT?");
    assertThat(ConfigLoader.unknownSettings(Map.of("SEEDSTREAM_CORS_ORIGIN", "x"))).singleElement().asString()
      .contains("SEEDSTREAM_CORS_ORIGINS");
  }

  @Test
  @DisplayName("issue 20 item 6: SEEDSTREAM_PUBLIC_URL is an http(s) base without a trailing slash")
  void publicUrl() {
    assertThat(ConfigLoader.load(Map.of()).access().publicUrl()).isNull();
    assertThat(ConfigLoader.load(Map.of("SEEDSTREAM_PUBLIC_URL", "https://img.example.com/seedstream/")).access()
      .link("/api/x")).isEqualTo("https://img.example.com/seedstream/api/x");
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("SEEDSTREAM_PUBLIC_URL", "img.example.com")))
      .hasMessageContaining("SEEDSTREAM_PUBLIC_URL");
  }

  @Test
  @DisplayName("the metrics token comes from the environment only and must be long enough")
  void metricsToken() {
    assertThat(ConfigLoader.load(Map.of()).access().metricsToken()).isNull();
    assertThat(ConfigLoader.load(Map.of("SEEDSTREAM_METRICS_TOKEN", "scrape-0123456789abcdef")).access().metricsToken())
      .isEqualTo("scrape-0123456789abcdef");
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("SEEDSTREAM_METRICS_TOKEN", "short")))
      .hasMessageContaining("SEEDSTREAM_METRICS_TOKEN");
  }

  @Test
  @DisplayName("a bad value stops start-up with a message naming the key and the reason")
  void badValues() {
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("SEEDSTREAM_PORT", "eighty")))
      .isInstanceOf(ConfigException.class).hasMessageContaining("SEEDSTREAM_PORT").hasMessageContaining("not a whole number");
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("SEEDSTREAM_MAX_ACTIVE_JOBS", "0")))
      .hasMessageContaining("SEEDSTREAM_MAX_ACTIVE_JOBS").hasMessageContaining("outside");
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("SEEDSTREAM_SIMULATE", "maybe")))
      .hasMessageContaining("SEEDSTREAM_SIMULATE");
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("SEEDSTREAM_UPSTREAM_URL", "ftp://x")))
      .hasMessageContaining("SEEDSTREAM_UPSTREAM_URL");
  }

  @Test
  @DisplayName("a secret or an unknown key in the file is refused")
  void secretsNeverFromFile(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("c.json");
    Files.writeString(file, "{\"api_key\":\"sk-oops\"}");
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("SEEDSTREAM_CONFIG", file.toString())))
      .hasMessageContaining("secret").hasMessageNotContaining("sk-oops");
    Files.writeString(file, "{\"heartbeat\":1}");
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("SEEDSTREAM_CONFIG", file.toString())))
      .hasMessageContaining("unknown key 'heartbeat'");
  }

  @Test
  @DisplayName("the database password comes from the environment only: a password key or a URL holding one in the file is refused")
  void databasePasswordNeverFromFile(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("c.json");
    Files.writeString(file, "{\"database_password\":\"hunter2\"}");
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("SEEDSTREAM_CONFIG", file.toString())))
      .hasMessageContaining("secret").hasMessageNotContaining("hunter2");
    Files.writeString(file, "{\"database_url\":\"postgresql://app:hunter2@db:5432/history\"}");
    assertThatThrownBy(() -> ConfigLoader.load(Map.of("SEEDSTREAM_CONFIG", file.toString())))
      .hasMessageContaining("secret").hasMessageNotContaining("hunter2");
    Files.writeString(file, "{\"database_url\":\"postgresql://app@db/history\"}");
    GatewayConfig config = ConfigLoader.load(Map.of("SEEDSTREAM_CONFIG", file.toString(),
      "SEEDSTREAM_DATABASE_PASSWORD", "hunter2"));
    assertThat(config.store().database().password()).isEqualTo("hunter2");
    assertThat(config.store().database().port()).isEqualTo(5432);
    assertThat(config.store().database().toString()).doesNotContain("hunter2");
    assertThat(ConfigLoader.unknownSettings(Map.of("SEEDSTREAM_DATABASE_PASSWORD", "x"))).isEmpty();
  }
}
