package dev.seedstream.http;

import dev.seedstream.sse.SseEvent;
import dev.seedstream.support.GatewayTestBase;
import dev.seedstream.support.Await;
import dev.seedstream.support.FakeExchange;
import dev.seedstream.support.FakeUpstream;
import dev.seedstream.support.SseTestClient;
import dev.seedstream.support.TestGateway;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Every way the upstream can answer or fail, and the event the client gets for it (the README's Errors table). */
@DisplayName("Upstream answers and faults")
class UpstreamFaultsTest extends GatewayTestBase {

  static final String BODY = "{\"model\":\"doubao-seedream-4-0-250828\",\"prompt\":\"a fox\"}";
  static final String ARK_400 = "{\"error\":{\"code\":\"InvalidParameter\",\"message\":\"The parameter `size` specified in the request is not valid: image size must be at least 3686400 pixels. Request id: 02178116166633916105250997c3183a3687369088432ad7d980b\",\"param\":\"\",\"type\":\"\"}}";
  static final String ARK_401 = "{\"error\":{\"code\":\"AuthenticationError\",\"message\":\"the API key or AK/SK in the request is missing or invalid. request id: 0217\",\"param\":\"\",\"type\":\"Unauthorized\"}}";
  static final String ARK_429 = "{\"error\":{\"code\":\"ModelAccountIpmRateLimitExceeded\",\"message\":\"IPM (Images Per Minute) limit of the model is exceeded.\",\"param\":\"\",\"type\":\"TooManyRequests\"}}";
  static final String ARK_500 = "{\"error\":{\"code\":\"InternalServiceError\",\"message\":\"The service encountered an unexpected internal error. Request id: 0217\",\"param\":\"\",\"type\":\"\"}}";
  static final String DMX_500 = "{\"error\":{\"message\":\"invalid character 'e' looking for beginning of value (request id: 20250912154310540600564TYeuadrG)\",\"type\":\"new_api_error\",\"param\":\"\",\"code\":\"bad_response_body\"}}";


  /** Runs one generation against a scripted upstream and returns every event the client received. */
  List<SseEvent> run(Consumer<FakeExchange> script) {
    fake.autoScript(script);
    SseTestClient client = Await.result(SseTestClient.open(vertx, http, port, HttpMethod.POST, "/api/generations", null,
      Buffer.buffer(BODY)));
    Await.result(client.ended(), 15_000);
    return client.events();
  }

  static JsonObject last(List<SseEvent> events) {
    return new JsonObject(events.get(events.size() - 1).data());
  }

  static Stream<Arguments> errorAnswers() {
    return Stream.of(
      Arguments.of(400, ARK_400, null, "upstream_rejected", false),
      Arguments.of(401, ARK_401, null, "upstream_auth", false),
      Arguments.of(403, ARK_401, null, "upstream_auth", false),
      Arguments.of(404, "{\"error\":{\"code\":\"ModelNotOpen\",\"message\":\"Your account has not activated the model.\"}}", null, "upstream_auth", false),
      Arguments.of(429, ARK_429, "3", "upstream_rate_limited", true),
      Arguments.of(500, ARK_500, null, "upstream_unavailable", true),
      Arguments.of(500, DMX_500, null, "upstream_unavailable", true),
      Arguments.of(503, "<html>Service Unavailable</html>", "7", "upstream_unavailable", true));
  }

  @ParameterizedTest(name = "HTTP {0} -> {3}")
  @MethodSource("errorAnswers")
  @DisplayName("upstream error answers map to the contract's codes")
  void errorAnswersMapToCodes(int status, String body, String retryAfter, String code, boolean retryable) {
    // Retries of 429/503 have their own test; here the first answer must reach the client as it is.
    startGateway(fake.url(), Map.of("SEEDSTREAM_UPSTREAM_RETRIES", "0"));
    List<SseEvent> events = run(ex -> ex.error(status, body, retryAfter));
    assertThat(events).extracting(SseEvent::event).containsExactly("started", "error");
    JsonObject error = last(events);
    assertThat(error.getString("code")).isEqualTo(code);
    assertThat(error.getBoolean("retryable")).isEqualTo(retryable);
    assertThat(error.getInteger("upstream_status")).isEqualTo(status);
    if (retryAfter != null) {
      assertThat(error.getLong("retry_after")).isEqualTo(Long.parseLong(retryAfter));
    }
    assertThat(error.getString("message")).doesNotContain(TestGateway.CANARY_KEY).doesNotContain("<html>");
    if (body.contains("request id")) {
      assertThat(error.getString("message")).containsIgnoringCase("request id");
    }
  }

  @Test
  @DisplayName("a Retry-After beyond a day is capped at a day, and the 429 is not retried at once")
  void retryAfterCapped() {
    startGateway(fake.url(), Map.of("SEEDSTREAM_UPSTREAM_RETRIES", "2"));
    List<SseEvent> events = run(ex -> ex.error(429, ARK_429, "999999"));
    assertThat(last(events).getString("code")).isEqualTo("upstream_rate_limited");
    assertThat(last(events).getLong("retry_after")).isEqualTo(86_400L);
    assertThat(fake.requestCount()).isEqualTo(1);
  }

  @Test
  @DisplayName("issue 26: a 429 whose Retry-After outlasts the first-event deadline goes to the client at once as upstream_rate_limited")
  void retryAfterPastTheDeadline() {
    startGateway(fake.url(), Map.of("SEEDSTREAM_UPSTREAM_RETRIES", "2", "SEEDSTREAM_FIRST_EVENT_TIMEOUT_MS", "6000"));
    long start = System.nanoTime();
    List<SseEvent> events = run(ex -> ex.error(429, ARK_429, "7"));
    assertThat(last(events).getString("code")).isEqualTo("upstream_rate_limited");
    assertThat(last(events).getLong("retry_after")).isEqualTo(7L);
    assertThat((System.nanoTime() - start) / 1_000_000).as("no wait for a retry that cannot happen").isLessThan(3000);
    assertThat(fake.requestCount()).isEqualTo(1);
  }

  @Test
  @DisplayName("issue 26: the upstream closing the connection after one image (no completed, no last chunk) is upstream_truncated")
  void closedAfterOneImage() {
    startGateway(fake.url(), Map.of());
    List<SseEvent> events = run(ex -> {
      ex.streamHead().image(0, "https://tos.example.com/0.jpeg");
      vertxLater(50, ex::reset);
    });
    assertThat(events).extracting(SseEvent::event).containsExactly("started", "image", "error");
    assertThat(last(events).getString("code")).isEqualTo("upstream_truncated");
  }

  @Test
  @DisplayName("connection refused is upstream_unavailable, fast")
  void connectionRefused() {
    FakeUpstream closed = Await.result(FakeUpstream.start(vertx));
    String url = closed.url();
    Await.result(closed.close());
    startGateway(url, Map.of());
    long start = System.nanoTime();
    List<SseEvent> events = run(ex -> { });
    assertThat(last(events).getString("code")).isEqualTo("upstream_unavailable");
    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(2000);
  }

  @Test
  @DisplayName("EOF before completed is upstream_truncated, never success")
  void eofBeforeCompleted() {
    startGateway(fake.url(), Map.of());
    List<SseEvent> events = run(ex -> ex.streamHead().image(0, "https://tos.example.com/0.jpeg").end());
    assertThat(events).extracting(SseEvent::event).containsExactly("started", "image", "error");
    assertThat(last(events).getString("code")).isEqualTo("upstream_truncated");
  }

  @Test
  @DisplayName("R9 a TCP reset in the middle of an event never forwards the partial event")
  void resetMidEvent() {
    fake = Await.result(FakeUpstream.startResetting(vertx));
    startGateway(fake.url(), Map.of());
    List<SseEvent> events = run(ex -> {
      ex.streamHead().image(0, "https://tos.example.com/0.jpeg")
        .write("event: image_generation.partial_succeeded\ndata: {\"type\":\"image_generation.partial_succeeded\",\"image_in");
      ex.response().drainHandler(null);
      vertxLater(50, ex::reset);
    });
    assertThat(events).extracting(SseEvent::event).containsExactly("started", "image", "error");
    assertThat(last(events).getString("code")).isEqualTo("upstream_unavailable");
  }

  @Test
  @DisplayName("the first-event timeout fires when the upstream never answers")
  void firstEventTimeout() {
    startGateway(fake.url(), Map.of("SEEDSTREAM_FIRST_EVENT_TIMEOUT_MS", "300"));
    FakeExchange[] seen = new FakeExchange[1];
    List<SseEvent> events = run(ex -> seen[0] = ex);
    assertThat(last(events).getString("code")).isEqualTo("upstream_timeout");
    Await.result(seen[0].closed(), 2000);
  }

  @Test
  @DisplayName("the idle timeout fires when the upstream goes silent between images")
  void idleTimeout() {
    startGateway(fake.url(), Map.of("SEEDSTREAM_IDLE_TIMEOUT_MS", "300"));
    List<SseEvent> events = run(ex -> ex.streamHead().image(0, "https://tos.example.com/0.jpeg"));
    assertThat(events).extracting(SseEvent::event).containsExactly("started", "image", "error");
    assertThat(last(events).getString("code")).isEqualTo("upstream_timeout");
    assertThat(last(events).getString("message")).contains("silent");
  }

  /** Writes {@code event} in {@code pieces} parts, {@code gapMs} apart, then runs {@code then}. */
  void dribble(FakeExchange ex, String event, int pieces, long gapMs, Runnable then) {
    int size = (event.length() + pieces - 1) / pieces;
    writePiece(ex, event, size, 0, gapMs, then);
  }

  private void writePiece(FakeExchange ex, String event, int size, int from, long gapMs, Runnable then) {
    if (from >= event.length()) {
      then.run();
      return;
    }
    ex.write(event.substring(from, Math.min(event.length(), from + size)));
    vertx.setTimer(gapMs, id -> writePiece(ex, event, size, from + size, gapMs, then));
  }

  static String b64Image(int index, int bytes) {
    byte[] jpeg = new byte[bytes];
    jpeg[0] = (byte) 0xff;
    jpeg[1] = (byte) 0xd8;
    jpeg[2] = (byte) 0xff;
    return "event: image_generation.partial_succeeded\ndata: " + new JsonObject().put("type", "image_generation.partial_succeeded")
      .put("image_index", index).put("b64_json", Base64.getEncoder().encodeToString(jpeg)).put("size", "2048x2048").encode() + "\n\n";
  }

  @Test
  @DisplayName("images that arrive slowly, chunks closer together than the timeouts but longer in all, are not silence")
  void slowImagesAreNotSilence() {
    startGateway(fake.url(), Map.of("SEEDSTREAM_IDLE_TIMEOUT_MS", "400", "SEEDSTREAM_FIRST_EVENT_TIMEOUT_MS", "400"));
    List<SseEvent> events = run(ex -> {
      ex.streamHead();
      // Each image takes 1 s in ten pieces 100 ms apart: two and a half idle timeouts, never a silent one.
      dribble(ex, b64Image(0, 200_000), 10, 100, () -> dribble(ex, b64Image(1, 200_000), 10, 100,
        () -> ex.completed(2).done().end()));
    });
    assertThat(events).extracting(SseEvent::event).containsExactly("started", "image", "image", "completed");
  }

  @Test
  @DisplayName("an upstream that goes silent in the middle of an event still times out")
  void silentMidEvent() {
    startGateway(fake.url(), Map.of("SEEDSTREAM_IDLE_TIMEOUT_MS", "300"));
    String image = b64Image(0, 50_000);
    List<SseEvent> events = run(ex -> ex.streamHead().write(image.substring(0, image.length() / 2)));
    assertThat(events).extracting(SseEvent::event).containsExactly("started", "error");
    assertThat(last(events).getString("code")).isEqualTo("upstream_timeout");
    assertThat(last(events).getString("message")).contains("silent");
  }

  @Test
  @DisplayName("a malformed image event is an image_failed upstream_protocol, counted, at its index or the next one")
  void malformedImageEventIsReported() {
    startGateway(fake.url(), Map.of());
    List<SseEvent> events = run(ex -> ex.streamHead().image(0, "https://tos.example.com/0.jpeg")
      .write("event: image_generation.partial_succeeded\ndata: {\"type\":\"image_generation.partial_succeeded\","
        + "\"image_index\":2,\"url\":\"https://tos.example.com/2.jpeg\"\n\n")
      .write("data: {\"type\":\"image_generation.partial_succeeded\",\"url\":\"https://tos.example.com/3.jpeg\",\n\n")
      .completed(1).done().end());
    assertThat(events).extracting(SseEvent::event)
      .containsExactly("started", "image", "image_failed", "image_failed", "completed");
    JsonObject first = new JsonObject(events.get(2).data());
    JsonObject second = new JsonObject(events.get(3).data());
    assertThat(first.getInteger("index")).isEqualTo(2);
    assertThat(first.getJsonObject("error").getString("code")).isEqualTo("upstream_protocol");
    assertThat(second.getInteger("index")).isEqualTo(3);
    assertThat(second.getJsonObject("error").getString("code")).isEqualTo("upstream_protocol");
    assertThat(last(events).getInteger("failed_images")).isEqualTo(2);
    String id = new JsonObject(events.get(0).data()).getString("id");
    JsonObject job = api.get("/api/generations/" + id).json();
    assertThat(job.getJsonArray("failed_images")).hasSize(2);
    assertThat(job.getJsonArray("failed_images").getJsonObject(0).getInteger("index")).isEqualTo(2);
  }

  @Test
  @DisplayName("the total deadline fires even while bytes keep trickling in")
  void totalTimeout() {
    startGateway(fake.url(), Map.of("SEEDSTREAM_TOTAL_TIMEOUT_MS", "500"));
    List<SseEvent> events = run(ex -> {
      ex.streamHead();
      vertx.setPeriodic(50, id -> ex.write(": still here\n"));
    });
    assertThat(last(events).getString("code")).isEqualTo("upstream_timeout");
    assertThat(last(events).getString("message")).contains("total");
  }

  @Test
  @DisplayName("an event over the size cap is upstream_protocol")
  void oversizedEvent() {
    startGateway(fake.url(), Map.of("SEEDSTREAM_MAX_EVENT_BYTES", "4096"));
    char[] big = new char[10_000];
    Arrays.fill(big, 'A');
    List<SseEvent> events = run(ex -> ex.streamHead().write("data: {\"b64_json\":\"" + new String(big) + "\"}\n\n"));
    assertThat(last(events).getString("code")).isEqualTo("upstream_protocol");
  }

  @Test
  @DisplayName("a data frame with a top-level error fails the job")
  void midStreamError() {
    startGateway(fake.url(), Map.of());
    List<SseEvent> events = run(ex -> ex.streamHead().image(0, "https://tos.example.com/0.jpeg")
      .write("data: {\"error\":{\"code\":\"InternalServiceError\",\"message\":\"boom. Request id: 0217\"}}\n\n").end());
    assertThat(events).extracting(SseEvent::event).containsExactly("started", "image", "error");
    assertThat(last(events).getString("code")).isEqualTo("upstream_unavailable");
    assertThat(last(events).getString("message")).contains("Request id: 0217");
  }

  @Test
  @DisplayName("a 200 JSON answer (a relay that did not stream) yields every image, then completed")
  void nonStreamedJson() {
    startGateway(fake.url(), Map.of());
    String body = "{\"data\":[{\"url\":\"https://tos.example.com/0.jpeg?a=1\\u0026b=2\"},{\"error\":{\"code\":\"OutputImageSensitiveContentDetected\",\"message\":\"no\"}}],"
      + "\"created\":1763115505,\"usage\":{\"total_tokens\":65536,\"output_tokens\":65536}}";
    List<SseEvent> events = run(ex -> {
      ex.response().putHeader("Content-Type", "application/json");
      ex.response().end(body);
    });
    assertThat(events).extracting(SseEvent::event).containsExactly("started", "image", "image_failed", "completed");
    assertThat(new JsonObject(events.get(1).data()).getString("url")).isEqualTo("https://tos.example.com/0.jpeg?a=1&b=2");
    assertThat(last(events).getJsonObject("usage").getInteger("output_tokens")).isEqualTo(65536);
  }

  @Test
  @DisplayName("a 200 JSON answer with fields of the wrong type still yields an event per item, then completed")
  void nonStreamedJsonWithWrongTypes() {
    startGateway(fake.url(), Map.of());
    String body = "{\"data\":[{\"url\":\"https://tos.example.com/0.jpeg\"},7,{\"error\":\"boom\"},{\"error\":{\"code\":42}}],\"usage\":\"lots\"}";
    List<SseEvent> events = run(ex -> {
      ex.response().putHeader("Content-Type", "application/json");
      ex.response().end(body);
    });
    assertThat(events).extracting(SseEvent::event)
      .containsExactly("started", "image", "image_failed", "image_failed", "image_failed", "completed");
    assertThat(new JsonObject(events.get(3).data()).getJsonObject("error").getString("message")).isEqualTo("boom");
    assertThat(new JsonObject(events.get(4).data()).getJsonObject("error").getString("code")).isEqualTo("42");
    assertThat(last(events).getJsonObject("usage")).isEmpty();
  }

  @Test
  @DisplayName("OpenAI-style completed events that each carry an image (DMXAPI variant B) become image events")
  void openAiStyleRelay() {
    startGateway(fake.url(), Map.of());
    List<SseEvent> events = run(ex -> ex.streamHead()
      .write("event: image_generation.completed\ndata: {\"type\":\"image_generation.completed\",\"created_at\":1,\"url\":\"https://tos.example.com/0.jpeg\",\"usage\":{\"output_tokens\":16384}}\n\n")
      .write("event: image_generation.completed\ndata: {\"type\":\"image_generation.completed\",\"created_at\":1,\"url\":\"https://tos.example.com/1.jpeg\",\"usage\":{\"output_tokens\":32768}}\n\n")
      .done().end());
    assertThat(events).extracting(SseEvent::event).containsExactly("started", "image", "image", "completed");
    assertThat(new JsonObject(events.get(2).data()).getInteger("index")).isEqualTo(1);
    assertThat(last(events).getJsonObject("usage").getInteger("output_tokens")).isEqualTo(32768);
  }

  @Test
  @DisplayName("CRLF line ends, comments and one-byte chunks relay the same events")
  void crlfAndTinyChunks() {
    startGateway(fake.url(), Map.of());
    String transcript = ": PING\r\n\r\n"
      + "event: image_generation.partial_succeeded\r\ndata:{\"type\":\"image_generation.partial_succeeded\",\"image_index\":0,\"url\":\"https://tos.example.com/0.jpeg\",\"size\":\"2048x2048\"}\r\n\r\n"
      + "event: image_generation.completed\r\ndata: {\"type\":\"image_generation.completed\",\"usage\":{\"generated_images\":1}}\r\n\r\n"
      + "data: [DONE]";
    List<SseEvent> events = run(ex -> {
      ex.streamHead();
      byte[] bytes = transcript.getBytes();
      writeOneByteAtATime(ex, bytes, 0);
    });
    assertThat(events).extracting(SseEvent::event).containsExactly("started", "image", "completed");
    assertThat(new JsonObject(events.get(1).data()).getString("size")).isEqualTo("2048x2048");
  }

  @Test
  @DisplayName("an 8 MiB b64_json image relays intact")
  void hugeBase64Event() {
    startGateway(fake.url(), Map.of());
    byte[] jpeg = new byte[6 << 20];
    jpeg[0] = (byte) 0xFF;
    jpeg[1] = (byte) 0xD8;
    jpeg[2] = (byte) 0xFF;
    String b64 = Base64.getEncoder().encodeToString(jpeg);
    List<SseEvent> events = run(ex -> ex.streamHead()
      .event("image_generation.partial_succeeded", new JsonObject().put("image_index", 0).put("b64_json", b64).put("size", "4096x4096"))
      .completed(1).done().end());
    assertThat(events).extracting(SseEvent::event).containsExactly("started", "image", "completed");
    assertThat(new JsonObject(events.get(1).data()).getString("b64_json")).isEqualTo(b64);
  }

  @Test
  @DisplayName("b64_json with escaped slashes (as PHP writes it) relays as plain base64, split across chunks")
  void escapedSlashesInBase64() {
    startGateway(fake.url(), Map.of());
    byte[] jpeg = new byte[3000];
    new java.util.Random(3).nextBytes(jpeg);
    jpeg[0] = (byte) 0xFF;
    jpeg[1] = (byte) 0xD8;
    jpeg[2] = (byte) 0xFF;
    String b64 = Base64.getEncoder().encodeToString(jpeg);
    assertThat(b64).contains("/");
    String raw = "event: image_generation.partial_succeeded\r\ndata: {\"type\":\"image_generation.partial_succeeded\","
      + "\"image_index\":0,\"b64_json\":\"" + b64.replace("/", "\\/") + "\",\"size\":\"1024x1024\"}\r\n\r\n";
    List<SseEvent> events = run(ex -> {
      ex.streamHead();
      ex.write(raw.substring(0, 700));
      ex.write(raw.substring(700));
      ex.completed(1).done().end();
    });
    assertThat(events).extracting(SseEvent::event).containsExactly("started", "image", "completed");
    assertThat(new JsonObject(events.get(1).data()).getString("b64_json")).isEqualTo(b64);
  }

  @Test
  @DisplayName("an image URL that is not http(s) is withheld as a failed image")
  void unsafeImageUrl() {
    startGateway(fake.url(), Map.of());
    List<SseEvent> events = run(ex -> ex.streamHead().image(0, "javascript:alert(1)").completed(0).done().end());
    assertThat(events).extracting(SseEvent::event).containsExactly("started", "image_failed", "completed");
    assertThat(events.get(1).data()).doesNotContain("javascript:");
  }

  void writeOneByteAtATime(FakeExchange ex, byte[] bytes, int from) {
    if (from >= bytes.length) {
      ex.end();
      return;
    }
    ex.write(Buffer.buffer(new byte[] {bytes[from]}));
    vertx.runOnContext(v -> writeOneByteAtATime(ex, bytes, from + 1));
  }

  void vertxLater(long ms, Runnable action) {
    vertx.setTimer(ms, id -> action.run());
  }

}
