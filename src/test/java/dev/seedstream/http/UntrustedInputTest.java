package dev.seedstream.http;

import dev.seedstream.sse.SseEvent;
import dev.seedstream.support.GatewayTestBase;
import dev.seedstream.support.Await;
import dev.seedstream.support.FakeExchange;
import dev.seedstream.support.SseTestClient;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Text from clients and the upstream, written into event streams: it must stay inside its one event. */
@DisplayName("Untrusted input through the gateway")
class UntrustedInputTest extends GatewayTestBase {

  static final String INJECTION = "\n\ndata: {\"fake\":1}\n\r\revent: x\r\0id: 99\n";


  SseTestClient postStream(String prompt) {
    String body = new JsonObject().put("model", "doubao-seedream-4-5-251128").put("prompt", prompt)
      .put("sequential_image_generation", "auto")
      .put("sequential_image_generation_options", new JsonObject().put("max_images", 4)).encode();
    return Await.result(SseTestClient.open(vertx, http, port, HttpMethod.POST, "/api/generations", null, Buffer.buffer(body)));
  }

  static void assertNoForgedLines(SseTestClient client) {
    for (String line : client.raw().split("\n", -1)) {
      assertThat(line).doesNotStartWith("data: {\"fake\"").doesNotStartWith("event: x").doesNotStartWith("id: 99");
    }
  }

  @Test
  @DisplayName("X3 SSE injection: a prompt and an image error message with CR, LF, NUL and data: lines stay one event each")
  void promptAndImageErrorStayInside() {
    startGateway(Map.of());
    SseTestClient client = postStream("a cat" + INJECTION + "end");
    FakeExchange upstream = Await.result(fake.exchange(0));
    assertThat(upstream.body().getString("prompt")).as("the prompt reaches the upstream intact").isEqualTo("a cat" + INJECTION + "end");
    upstream.streamHead().image(0, "https://tos.example.com/0.jpeg")
      .imageFailed(1, "OutputImageSensitiveContentDetected", "blocked" + INJECTION + "tail")
      .completed(1).done().end();
    Await.result(client.ended());
    List<SseEvent> events = client.events();
    assertThat(events).extracting(SseEvent::event).containsExactly("started", "image", "image_failed", "completed");
    assertThat(events).extracting(SseEvent::id).containsExactly("1", "2", "3", "4");
    String message = new JsonObject(events.get(2).data()).getJsonObject("error").getString("message");
    assertThat(message).startsWith("blocked").endsWith("tail").contains("data: {\"fake\":1}").contains("event: x")
      .doesNotContain("\n").doesNotContain("\r").doesNotContain("\0");
    assertNoForgedLines(client);
  }

  @Test
  @DisplayName("X3 SSE injection: an upstream error message arrives as one intact error event")
  void upstreamErrorStaysInside() {
    startGateway(Map.of());
    SseTestClient client = postStream("a cat");
    FakeExchange upstream = Await.result(fake.exchange(0));
    upstream.error(400, new JsonObject().put("error", new JsonObject().put("code", "InvalidParameter")
      .put("message", "bad" + INJECTION + "tail").put("param", "").put("type", "")).encode(), null);
    Await.result(client.ended());
    List<SseEvent> events = client.events();
    assertThat(events).extracting(SseEvent::event).containsExactly("started", "error");
    JsonObject error = new JsonObject(events.get(1).data());
    assertThat(error.getString("code")).isEqualTo("upstream_rejected");
    assertThat(error.getString("message")).contains("bad").contains("data: {\"fake\":1}").endsWith("tail")
      .doesNotContain("\n").doesNotContain("\r").doesNotContain("\0");
    assertNoForgedLines(client);
  }

  @Test
  @DisplayName("X4 XSS from the upstream: javascript:, off-allowlist and http: URLs and HTML in b64_json are withheld")
  void unsafeImagesWithheld() {
    startGateway(Map.of("SEEDSTREAM_IMAGE_HOSTS", "*.volces.com"));
    SseTestClient client = postStream("<img src=x onerror=alert(1)>");
    FakeExchange upstream = Await.result(fake.exchange(0));
    String html = Base64.getEncoder().encodeToString("<html><script>alert(1)</script></html>".getBytes(StandardCharsets.UTF_8));
    upstream.streamHead()
      .image(0, "javascript:alert(1)")
      .image(1, "https://evil.example/steal.jpeg")
      .image(2, "http://ark.tos-cn-beijing.volces.com/plain.jpeg")
      .event("image_generation.partial_succeeded", new JsonObject().put("image_index", 3).put("b64_json", html))
      .image(4, "https://ark.tos-cn-beijing.volces.com/ok.jpeg?X-Tos-Signature=abc")
      .completed(1).done().end();
    Await.result(client.ended());
    List<SseEvent> events = client.events();
    assertThat(events).extracting(SseEvent::event)
      .containsExactly("started", "image_failed", "image_failed", "image_failed", "image_failed", "image", "completed");
    for (SseEvent failed : events.subList(1, 5)) {
      assertThat(new JsonObject(failed.data()).getJsonObject("error").getString("code")).isEqualTo("upstream_protocol");
    }
    assertThat(client.raw()).doesNotContain("javascript:").doesNotContain("evil.example").doesNotContain(html);
    assertThat(new JsonObject(events.get(5).data()).getString("url")).startsWith("https://ark.tos-cn-beijing.volces.com/");
  }
}
