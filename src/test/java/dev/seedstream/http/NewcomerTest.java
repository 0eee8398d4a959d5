package dev.seedstream.http;

import dev.seedstream.Gateway;
import dev.seedstream.support.Await;
import dev.seedstream.support.GatewayTestBase;
import dev.seedstream.support.TestGateway;
import dev.seedstream.support.TestHttp;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.net.NetServer;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** The traps a new user meets in the first hour: URLs to guess, CORS answers that look like bugs, a busy port. */
@DisplayName("A newcomer's first hour")
class NewcomerTest extends GatewayTestBase {

  static final String BODY = "{\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"a cat\"}";

  @Test
  @DisplayName("item 6: with SEEDSTREAM_PUBLIC_URL, Location and events_url are absolute on it; without, relative")
  void publicUrl() {
    startGateway(Map.of("SEEDSTREAM_PUBLIC_URL", "https://images.example.com/seedstream/"));
    TestHttp.Response accepted = api.post("/api/generations", BODY);
    assertThat(accepted.status()).isEqualTo(202);
    String id = accepted.json().getString("id");
    assertThat(accepted.header("Location")).isEqualTo("https://images.example.com/seedstream/api/generations/" + id);
    assertThat(accepted.json().getString("events_url"))
      .isEqualTo("https://images.example.com/seedstream/api/generations/" + id + "/events");
    assertThat(api.get("/api/generations/" + id).json().getString("events_url")).startsWith("https://images.example.com/");
    MultiMap publicHost = MultiMap.caseInsensitiveMultiMap().add("Host", "images.example.com")
      .add("Origin", "https://images.example.com");
    assertThat(Await.result(api.call(HttpMethod.POST, "/api/generations", publicHost, BODY)).status())
      .as("the public URL's host and origin are the gateway's own").isEqualTo(202);
  }

  @Test
  @DisplayName("item 6: without SEEDSTREAM_PUBLIC_URL the URLs are relative to the gateway's origin")
  void relativeByDefault() {
    startGateway(Map.of());
    TestHttp.Response accepted = api.post("/api/generations", BODY);
    assertThat(accepted.header("Location")).startsWith("/api/generations/");
    assertThat(accepted.json().getString("events_url")).startsWith("/api/generations/");
  }

  @Test
  @DisplayName("item 11: without SEEDSTREAM_CORS_ORIGINS a preflight gets 204 with no allow headers, not 404")
  void preflightWithoutCors() {
    startGateway(Map.of());
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("Origin", "http://localhost:3000")
      .add("Access-Control-Request-Method", "POST").add("Access-Control-Request-Headers", "content-type");
    TestHttp.Response preflight = Await.result(api.call(HttpMethod.OPTIONS, "/api/generations", headers, null));
    assertThat(preflight.status()).isEqualTo(204);
    assertThat(preflight.header("Access-Control-Allow-Origin")).isNull();
    assertThat(preflight.header("Access-Control-Allow-Methods")).isNull();
  }

  @Test
  @DisplayName("item 10: a port already in use fails start-up with the host, the port and the setting to change")
  void portInUse() {
    NetServer busy = Await.result(vertx.createNetServer().connectHandler(socket -> { }).listen(0, "127.0.0.1"));
    int taken = busy.actualPort();
    var config = TestGateway.config(fake.url(), Map.of("SEEDSTREAM_PORT", String.valueOf(taken)));
    Throwable failure = catchThrowable(() -> Await.result(Gateway.start(vertx, config)));
    assertThat(failure).hasMessageContaining("127.0.0.1:" + taken).hasMessageContaining("SEEDSTREAM_PORT");
  }

  @Test
  @DisplayName("item 18: images per minute count what group mode may bill at admission, auto without max_images as 15")
  void imagesPerMinuteInGroupMode() {
    startGateway(Map.of("SEEDSTREAM_IMAGES_PER_MINUTE_PER_CLIENT", "20"));
    String auto = "{\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"cats\",\"sequential_image_generation\":\"auto\"}";
    assertThat(api.post("/api/generations", auto).status()).as("15 of 20").isEqualTo(202);
    String six = "{\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"cats\",\"sequential_image_generation\":\"auto\","
      + "\"sequential_image_generation_options\":{\"max_images\":6}}";
    TestHttp.Response over = api.post("/api/generations", six);
    assertThat(over.status()).isEqualTo(429);
    assertThat(over.json().getJsonObject("error").getString("message"))
      .contains("20 images per minute").contains("5 are left").contains("asks for 6");
    assertThat(Long.parseLong(over.header("Retry-After"))).isBetween(1L, 60L);
  }
}
