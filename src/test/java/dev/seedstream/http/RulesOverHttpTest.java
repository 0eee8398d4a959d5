package dev.seedstream.http;

import dev.seedstream.Gateway;
import dev.seedstream.support.Await;
import dev.seedstream.support.FakeExchange;
import dev.seedstream.support.FakeUpstream;
import dev.seedstream.support.TestGateway;
import dev.seedstream.support.TestHttp;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The rules as a client meets them: over HTTP, through the real gateway, with a fake upstream that counts. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("Seedream rules over HTTP: bad requests cost nothing")
class RulesOverHttpTest {

  Vertx vertx;
  FakeUpstream fake;
  TestHttp api;

  @BeforeAll
  void start() {
    vertx = Gateway.newVertx();
    fake = Await.result(FakeUpstream.start(vertx));
    HttpClient http = vertx.createHttpClient();
    int port = Await.result(TestGateway.start(vertx, TestGateway.config(fake.url(), Map.of()))).actualPort();
    api = new TestHttp(vertx, http, port);
  }

  @AfterAll
  void stop() {
    Await.result(vertx.close());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
    "1500x1500 on 4.5 | {\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"p\",\"size\":\"1500x1500\"} | size",
    "800x800 on 4.0 | {\"model\":\"doubao-seedream-4-0-250828\",\"prompt\":\"p\",\"size\":\"800x800\"} | size",
    "ratio beyond 16 | {\"model\":\"doubao-seedream-4-0-250828\",\"prompt\":\"p\",\"size\":\"7681x480\"} | size",
    "fast on 4.5 | {\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"p\",\"optimize_prompt_options\":{\"mode\":\"fast\"}} | optimize_prompt_options.mode",
    "max_images 16 | {\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"p\",\"sequential_image_generation\":\"auto\",\"sequential_image_generation_options\":{\"max_images\":16}} | sequential_image_generation_options.max_images",
    "a loopback reference URL | {\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"p\",\"image\":[\"http://127.0.0.1/x.png\"]} | image[0]",
    "a typo'd field | {\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"p\",\"watermak\":false} | watermak",
    "unknown model | {\"model\":\"doubao-seedream-9\",\"prompt\":\"p\"} | model",
    "max_images as a string | {\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"p\",\"sequential_image_generation\":\"auto\",\"sequential_image_generation_options\":{\"max_images\":\"3\"}} | sequential_image_generation_options.max_images"})
  @DisplayName("each broken rule is a 400 naming its field, and the upstream receives nothing")
  void brokenRuleCostsNothing(String name, String body, String field) {
    int before = fake.requestCount();
    TestHttp.Response response = api.post("/api/generations", body);
    assertThat(response.status()).isEqualTo(400);
    JsonObject error = response.json().getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("invalid_request");
    assertThat(error.getJsonArray("violations").stream().map(v -> ((JsonObject) v).getString("field")))
      .contains(field);
    assertThat(fake.requestCount()).isEqualTo(before);
  }

  @Test
  @DisplayName("a dry run answers the normalised upstream request and the worst case, and costs nothing")
  void dryRun() {
    int before = fake.requestCount();
    String png = "data:IMAGE/PNG;base64," + Base64.getEncoder().encodeToString(png(64, 64));
    TestHttp.Response response = api.post("/api/generations?dry_run=true", "{\"model\":\"doubao-seedream-4-5-251128\","
      + "\"prompt\":\"图1 as a painting\",\"size\":\"4K\",\"image\":[\"" + png + "\"],\"sequential_image_generation\":\"auto\","
      + "\"sequential_image_generation_options\":{\"max_images\":3}}");
    assertThat(response.status()).isEqualTo(200);
    JsonObject json = response.json();
    JsonObject upstream = json.getJsonObject("upstream_request");
    assertThat(upstream.getBoolean("stream")).isTrue();
    assertThat(upstream.getJsonArray("image").getString(0)).startsWith("data:image/png;base64,").contains("base64 chars");
    assertThat(json.getJsonObject("estimate").getInteger("max_images")).isEqualTo(3);
    // 4K counted at its largest recommended size, 4096x4096: 3 x 4096 x 4096 / 256 = 196,608.
    assertThat(json.getJsonObject("estimate").getLong("max_output_tokens")).isEqualTo(196_608);
    assertThat(json.encode()).doesNotContain(TestGateway.CANARY_KEY);
    assertThat(fake.requestCount()).isEqualTo(before);
  }

  @Test
  @DisplayName("an uploaded PNG used as upload:<id> reaches the upstream inlined as a lower-case data: URI")
  void uploadThenGenerate() {
    String boundary = "seedstream-rules";
    String multipart = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"ref.png\"\r\n"
      + "Content-Type: image/png\r\n\r\n";
    byte[] head = multipart.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    byte[] image = png(40, 30);
    byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    io.vertx.core.buffer.Buffer body = io.vertx.core.buffer.Buffer.buffer().appendBytes(head).appendBytes(image).appendBytes(tail);
    TestHttp.Response uploaded = Await.result(api.callBuffer(HttpMethod.POST, "/api/uploads",
      MultiMap.caseInsensitiveMultiMap().add("Content-Type", "multipart/form-data; boundary=" + boundary), body));
    assertThat(uploaded.status()).isEqualTo(200);
    JsonObject upload = uploaded.json().getJsonArray("uploads").getJsonObject(0);
    assertThat(upload.getInteger("width")).isEqualTo(40);
    assertThat(upload.getString("format")).isEqualTo("png");

    int before = fake.requestCount();
    TestHttp.Response accepted = api.post("/api/generations", "{\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"图1\","
      + "\"image\":[\"upload:" + upload.getString("id") + "\"]}");
    assertThat(accepted.status()).isEqualTo(202);
    FakeExchange exchange = Await.result(fake.exchange(before));
    assertThat(exchange.body().getJsonArray("image").getString(0))
      .isEqualTo("data:image/png;base64," + Base64.getEncoder().encodeToString(image));
    exchange.streamHead().completed(0).done().end();
  }

  static byte[] png(int width, int height) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ImageIO.write(new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB), "png", out);
      return out.toByteArray();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
