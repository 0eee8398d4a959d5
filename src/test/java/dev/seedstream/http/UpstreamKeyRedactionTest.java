package dev.seedstream.http;

import dev.seedstream.support.Await;
import dev.seedstream.support.LogCapture;
import dev.seedstream.support.FakeExchange;
import dev.seedstream.support.GatewayTestBase;
import dev.seedstream.support.SseTestClient;
import dev.seedstream.support.TestGateway;
import dev.seedstream.support.TestHttp;
import dev.seedstream.support.TestImages;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An upstream that echoes the gateway's key, whole, upper-cased or cut short, in every place it can put
 * text: error answers, per-image failures, an image URL, an event type the gateway logs, an error frame inside a 200 stream (JSON-escaped there), and a
 * field of an image event too long to be read whole. Neither endpoint lets any twelve characters of the
 * key in a row reach a client or the log, and /v1 keeps its framing and the image's bytes.
 */
@DisplayName("The upstream key never leaves the gateway")
class UpstreamKeyRedactionTest extends GatewayTestBase {

  static final String ARK_KEY = "3f2a9c1e-7b4d-4e8a-9f60-2c5d8e1b7a43";
  static final String B64 = TestImages.jpegBase64(96 * 1024, 7);

  final LogCapture log = new LogCapture();

  @BeforeEach
  void captureLog() {
    log.start();
  }

  @AfterEach
  void releaseLog() {
    log.stop();
  }

  static Stream<Arguments> echoes() {
    return Stream.of(TestGateway.CANARY_KEY, ARK_KEY).flatMap(key -> Stream.of(
      Arguments.of(key, "whole", key),
      Arguments.of(key, "upper-cased", key.toUpperCase(Locale.ROOT)),
      Arguments.of(key, "without its first two characters", key.substring(2)),
      Arguments.of(key, "without its last two characters", key.substring(0, key.length() - 2))));
  }

  /** Whether {@code text} holds any twelve characters of {@code key} in a row, in any case. */
  static boolean leaks(String text, String key) {
    String haystack = text.toLowerCase(Locale.ROOT);
    String needle = key.toLowerCase(Locale.ROOT);
    for (int i = 0; i + 12 <= needle.length(); i++) {
      if (haystack.contains(needle.substring(i, i + 12))) {
        return true;
      }
    }
    return false;
  }

  /** The echo with its first character as a JSON escape: only a decoder sees the key in it. */
  static String escaped(String echo) {
    return String.format("\\u%04x", (int) echo.charAt(0)) + echo.substring(1);
  }

  void script(FakeExchange exchange, String echo) {
    String prompt = exchange.body().getString("prompt");
    if (prompt.equals("refused")) {
      exchange.error(401, new JsonObject().put("error", new JsonObject().put("code", "AuthenticationError")
        .put("message", "the API key " + echo + " is invalid").put("param", echo).put("type", "Unauthorized")).encode(), null);
      return;
    }
    exchange.streamHead()
      .imageFailed(0, "OutputImageSensitiveContentDetected", "rejected for key " + echo)
      .write("event: image_generation.partial_succeeded\ndata: {\"type\":\"image_generation.partial_succeeded\","
        + "\"image_index\":1,\"b64_json\":\"" + B64 + "\",\"size\":\"2048x2048\",\"revised_prompt\":\"asked with "
        + echo + "\"}\n\n")
      .image(2, "https://tos.example.com/" + echo + ".jpeg")
      .write("data: {\"type\":\"notice for " + echo + "\"}\n\n")
      .write("data: {\"error\":{\"code\":\"InternalServiceError\",\"message\":\"key " + escaped(echo)
        + " failed\",\"param\":\"\",\"type\":\"\"}}\n\n")
      .end();
  }

  @ParameterizedTest(name = "{0} echoed {1}")
  @MethodSource("echoes")
  @DisplayName("an echoed key is redacted in /api events and JSON, /v1 errors and streams, and the log")
  void echoedKeyIsRedactedEverywhere(String key, String form, String echo) {
    startGateway(Map.of("SEEDSTREAM_API_KEY", key, "SEEDSTREAM_UPSTREAM_RETRIES", "0"));
    fake.autoScript(exchange -> script(exchange, echo));
    List<String> sent = new ArrayList<>();

    for (String prompt : List.of("refused", "streamed")) {
      JsonObject accepted = api.post("/api/generations", "{\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"" + prompt
        + "\",\"response_format\":\"b64_json\",\"sequential_image_generation\":\"auto\"}").json();
      SseTestClient events = Await.result(SseTestClient.get(vertx, http, port, accepted.getString("events_url"), null));
      Await.result(events.ended());
      sent.add(events.raw());
      assertThat(events.events().get(events.events().size() - 1).event()).isEqualTo("error");
      sent.add(api.get("/api/generations/" + accepted.getString("id")).body().toString());
    }
    assertThat(sent.get(2)).contains("image_failed").contains(B64);

    TestHttp.Response refused = api.post("/v1/images/generations",
      "{\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"refused\"}");
    assertThat(refused.status()).isEqualTo(401);
    assertThat(refused.header("Content-Type")).startsWith("application/json");
    assertThat(refused.json().getJsonObject("error").getString("code")).isEqualTo("AuthenticationError");
    sent.add(refused.body().toString());

    TestHttp.Response streamed = api.post("/v1/images/generations",
      "{\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"streamed\",\"stream\":true,\"response_format\":\"b64_json\"}");
    String relayed = streamed.body().toString();
    sent.add(relayed);
    assertThat(relayed).contains("\"b64_json\":\"" + B64 + "\"").contains("OutputImageSensitiveContentDetected")
      .contains("InternalServiceError").contains("[redacted]");
    for (String line : relayed.split("\n", -1)) {
      assertThat(line).matches("(event: .*|data: .*|)");
      if (line.startsWith("data: {")) {
        sent.add(new JsonObject(line.substring(6)).encode());
      }
    }

    sent.addAll(log.lines());
    assertThat(sent).noneMatch(text -> leaks(text, key));
  }
}
