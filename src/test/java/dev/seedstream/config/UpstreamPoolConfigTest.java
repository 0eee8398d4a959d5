package dev.seedstream.config;

import dev.seedstream.support.TestGateway;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("SEEDSTREAM_UPSTREAMS: the pool of upstreams")
class UpstreamPoolConfigTest {

  static final String CONTRACT_EXAMPLE = """
    {"upstreams": [
      {"name": "dmxapi", "url": "https://www.dmxapi.cn/v1/images/generations", "key_env": "DMXAPI_KEY",
       "priority": 0, "weight": 1, "models": ["doubao-seedream-4-5-251128"], "max_concurrency": 64, "images_per_minute": 500},
      {"name": "ark", "url": "https://ark.cn-beijing.volces.com/api/v3/images/generations", "key_env": "ARK_KEY",
       "priority": 1, "weight": 1}
    ]}""";

  static GatewayConfig load(Map<String, String> env) {
    return TestGateway.config("https://unused.example.com/v1/images/generations", env);
  }

  @Test
  @DisplayName("the contract's example reads; keys come from the variables named, and no key is printed")
  void contractExample() {
    GatewayConfig config = load(Map.of("SEEDSTREAM_UPSTREAMS", CONTRACT_EXAMPLE, "DMXAPI_KEY", "sk-dmx-secret-000000000",
      "ARK_KEY", "ark-secret-1111111111"));
    List<UpstreamEntry> pool = config.upstream().entries();
    assertThat(pool).extracting(UpstreamEntry::name).containsExactly("dmxapi", "ark");
    assertThat(pool.get(0).apiKey()).isEqualTo("sk-dmx-secret-000000000");
    assertThat(pool.get(0).serves("doubao-seedream-4-0-250828")).isFalse();
    assertThat(pool.get(1).serves("doubao-seedream-4-0-250828")).isTrue();
    assertThat(pool.get(0).maxConcurrency()).isEqualTo(64);
    assertThat(pool.get(1).priority()).isEqualTo(1);
    assertThat(config.toString()).doesNotContain("sk-dmx-secret").doesNotContain("ark-secret");
    assertThat(pool.toString()).doesNotContain("sk-dmx-secret").doesNotContain("ark-secret");
  }

  @Test
  @DisplayName("an entry whose key_env is unset stops start-up, naming the variable")
  void unsetKeyEnvNamed() {
    assertThatThrownBy(() -> load(Map.of("SEEDSTREAM_UPSTREAMS", CONTRACT_EXAMPLE, "DMXAPI_KEY", "sk-dmx-secret-000000000")))
      .isInstanceOf(ConfigException.class).hasMessageContaining("ARK_KEY").hasMessageContaining("ark");
  }

  @Test
  @DisplayName("a key in the pool itself, an unknown field, a duplicate name or a bad URL is refused")
  void refusals() {
    String[][] cases = {
      {"{\"upstreams\":[{\"name\":\"a\",\"url\":\"https://a.example.com\",\"api_key\":\"sk-x\"}]}", "keys never go in the pool"},
      {"{\"upstreams\":[{\"name\":\"a\",\"url\":\"https://a.example.com\",\"key_env\":\"K\",\"colour\":1}]}", "colour"},
      {"{\"upstreams\":[{\"name\":\"a\",\"url\":\"https://a.example.com\",\"key_env\":\"K\"},"
        + "{\"name\":\"a\",\"url\":\"https://b.example.com\",\"key_env\":\"K\"}]}", "used twice"},
      {"{\"upstreams\":[{\"name\":\"a\",\"url\":\"ftp://a.example.com\",\"key_env\":\"K\"}]}", "url"},
      {"{\"upstreams\":[{\"name\":\"a b\",\"url\":\"https://a.example.com\",\"key_env\":\"K\"}]}", "name"},
      {"{\"upstreams\":[]}", "at least one"},
      {"{\"upstreams\":[{\"name\":\"a\",\"url\":\"https://a.example.com\",\"key_env\":\"K\",\"weight\":0}]}", "weight"},
    };
    for (String[] refused : cases) {
      assertThatThrownBy(() -> load(Map.of("SEEDSTREAM_UPSTREAMS", refused[0], "K", "sk-some-key-000000")))
        .as(refused[0]).isInstanceOf(ConfigException.class).hasMessageContaining(refused[1]);
    }
  }

  @Test
  @DisplayName("the single-upstream settings are a pool of one named default; a pool needs no SEEDSTREAM_API_KEY")
  void singleUpstreamIsAPoolOfOne() {
    GatewayConfig single = load(Map.of());
    assertThat(single.upstream().entries()).singleElement().satisfies(entry -> {
      assertThat(entry.name()).isEqualTo("default");
      assertThat(entry.apiKey()).isEqualTo(TestGateway.CANARY_KEY);
    });
    GatewayConfig pool = ConfigLoader.load(Map.of("SEEDSTREAM_UPSTREAMS", CONTRACT_EXAMPLE, "DMXAPI_KEY", "sk-dmx-secret-000000000",
      "ARK_KEY", "ark-secret-1111111111"));
    assertThat(pool.useSimulator()).as("a pool is a real upstream, not the simulator").isFalse();
  }
}
