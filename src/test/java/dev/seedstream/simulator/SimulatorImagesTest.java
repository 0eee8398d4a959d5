package dev.seedstream.simulator;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** Non-stream bodies, and the signed image URLs they and the streams hand out. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SimulatorImagesTest extends SimulatorTestBase {

  private static final String TWO_IMAGES = """
    {"model":"doubao-seedream-4-5-251128","prompt":"p","size":"2496x1664","sequential_image_generation":"auto",\
    "sequential_image_generation_options":{"max_images":2}}""";
  private static final Pattern EXPIRES = Pattern.compile("expires=(\\d+)");

  @Test
  @DisplayName("without stream Ark answers one compact body: model, created, data, usage")
  void nonStreamArkBody() {
    start(FAST.withFailIndexes(Set.of(1)));

    SimulatorCaller.Answer answer = client.post(SimulatorCaller.ARK, BEARER,
      TWO_IMAGES.replace("\"max_images\":2", "\"max_images\":3"));

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.headers().get("Content-Type")).isEqualTo("application/json");
    assertThat(answer.text()).matches(Transcript.pattern("{\"model\":\"doubao-seedream-4-5-251128\","
      + "\"created\":«created»,\"data\":[{\"url\":\"«url:0»\",\"size\":\"2496x1664\"},"
      + "{\"error\":{\"code\":\"OutputImageSensitiveContentDetected\",\"message\":\"The request failed because the "
      + "output image may contain sensitive information.\"}},{\"url\":\"«url:2»\",\"size\":\"2496x1664\"}],"
      + "\"usage\":{\"generated_images\":2,\"output_tokens\":32448,\"total_tokens\":32448}}", simulator.baseUrl()));
  }

  @Test
  @DisplayName("without stream DMXAPI answers the relay's shape, & written as \\u0026")
  void nonStreamDmxBody() {
    start(FAST);

    SimulatorCaller.Answer answer = client.post(SimulatorCaller.DMX, KEY, TWO_IMAGES);

    String url = Transcript.pattern("«url:0»", simulator.baseUrl()).pattern().replace("&", "\\\\u0026");
    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.text()).doesNotContain("&").doesNotContain("\"model\"").doesNotContain("\"size\"");
    assertThat(answer.text()).matches("\\{\"data\":\\[\\{\"url\":\"" + url + "\"},\\{\"url\":\"[^\"]+\"}],"
      + "\"created\":\\d{10},\"usage\":\\{\"prompt_tokens\":0,\"completion_tokens\":0,\"total_tokens\":32448,"
      + "\"prompt_tokens_details\":\\{\"cached_tokens_details\":\\{}},\"completion_tokens_details\":\\{},"
      + "\"output_tokens\":32448,\"claude_cache_creation_5_m_tokens\":0,\"claude_cache_creation_1_h_tokens\":0}}");
    assertThat(answer.json().getJsonArray("data").getJsonObject(0).getString("url")).contains("&expires=");
  }

  @Test
  @DisplayName("the URL serves a JPEG drawn at the size divided by imageScale")
  void urlServesScaledJpeg() throws IOException {
    start(FAST.withImageScale(8));

    SimulatorCaller.Answer image = client.get(path(firstUrl(TWO_IMAGES)));

    assertThat(image.status()).isEqualTo(200);
    assertThat(image.headers().get("Content-Type")).isEqualTo("image/jpeg");
    BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(image.body().getBytes()));
    assertThat(decoded.getWidth()).isEqualTo(312);
    assertThat(decoded.getHeight()).isEqualTo(208);
  }

  @Test
  @DisplayName("a URL with a changed expiry or signature is refused with 403")
  void tamperedUrl() {
    start(FAST);
    String path = path(firstUrl(TWO_IMAGES));

    SimulatorCaller.Answer longerLife = client.get(EXPIRES.matcher(path).replaceFirst("expires=9999999999999"));
    SimulatorCaller.Answer forged = client.get(path.replaceFirst("sig=[0-9a-f]", "sig=g"));

    assertThat(longerLife.status()).isEqualTo(403);
    assertThat(forged.status()).isEqualTo(403);
    assertThat(forged.text()).contains("<Code>AccessDenied</Code>");
  }

  @Test
  @DisplayName("a URL past its expiry is refused with 403")
  void expiredUrl() {
    start(FAST.withUrlTtlMs(1));
    String path = path(firstUrl(TWO_IMAGES));
    Matcher expires = EXPIRES.matcher(path);
    assertThat(expires.find()).isTrue();
    long expiresAt = Long.parseLong(expires.group(1));
    // A URL lives one millisecond here; wait out that millisecond rather than guess at a sleep.
    while (System.currentTimeMillis() <= expiresAt) {
      Thread.onSpinWait();
    }

    assertThat(client.get(path).status()).isEqualTo(403);
  }

  @Test
  @DisplayName("an unknown image is 404")
  void unknownImage() {
    start(FAST);

    SimulatorCaller.Answer answer = client.get("/images/0217000000000000000000000000_0.jpeg?X-Tos-Expires=86400"
      + "&expires=9999999999999&sig=00");

    assertThat(answer.status()).isEqualTo(404);
    assertThat(answer.text()).contains("<Code>NoSuchKey</Code>");
  }

  private String firstUrl(String request) {
    JsonObject body = client.post(SimulatorCaller.ARK, BEARER, request).json();
    return body.getJsonArray("data").getJsonObject(0).getString("url");
  }

  private String path(String url) {
    assertThat(url).startsWith(simulator.baseUrl());
    return url.substring(simulator.baseUrl().length());
  }
}
