package dev.seedstream.http;

import dev.seedstream.sse.SseEvent;
import dev.seedstream.support.Await;
import dev.seedstream.support.FakeExchange;
import dev.seedstream.support.GatewayTestBase;
import dev.seedstream.support.SseTestClient;
import dev.seedstream.support.TestImages;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** Large events live in pooled off-heap blocks: every path that ends a job or a read gives them back. */
@DisplayName("Off-heap event blocks: held while needed, given back after")
class EventBlocksTest extends GatewayTestBase {

  static final String B64_BODY = "{\"model\":\"doubao-seedream-4-0-250828\",\"prompt\":\"a fox\",\"response_format\":\"b64_json\","
    + "\"sequential_image_generation\":\"auto\",\"sequential_image_generation_options\":{\"max_images\":2}}";
  static final Pattern USED = Pattern.compile("seedstream_event_blocks_used_bytes ([0-9.E]+)");

  static final Pattern DIRECT = Pattern.compile("seedstream_direct_memory_used_bytes ([0-9.E]+)");

  long usedBytes() {
    return gauge(USED);
  }

  long gauge(Pattern pattern) {
    Matcher m = pattern.matcher(api.get("/metrics").body().toString());
    assertThat(m.find()).as("the gauge is published").isTrue();
    return (long) Double.parseDouble(m.group(1));
  }

  SseTestClient open() {
    return Await.result(SseTestClient.open(vertx, http, port, HttpMethod.POST, "/api/generations", null, Buffer.buffer(B64_BODY)));
  }

  @Test
  @DisplayName("images are kept off-heap for replay while the job is kept, byte-exact, and given back when it is dropped")
  void heldForReplayThenReturned() {
    startGateway(fake.url(), Map.of("SEEDSTREAM_RETENTION_MS", "1500"));
    String first = TestImages.jpegBase64(1 << 20, 1);
    String second = TestImages.jpegBase64(3 << 20, 2);
    fake.autoScript(ex -> ex.streamHead()
      .event("image_generation.partial_succeeded", new JsonObject().put("image_index", 0).put("b64_json", first).put("size", "2048x2048"))
      .event("image_generation.partial_succeeded", new JsonObject().put("image_index", 1).put("b64_json", second).put("size", "2048x2048"))
      .completed(2).done().end());
    SseTestClient client = open();
    Await.result(client.ended(), 15_000);
    String id = new JsonObject(client.events().get(0).data()).getString("id");
    assertThat(usedBytes()).as("held for replay").isGreaterThan((long) (first.length() + second.length()) - 2 * 65_536);
    assertThat(gauge(DIRECT)).as("off-heap memory counts the blocks").isGreaterThanOrEqualTo(usedBytes());
    SseTestClient replay = Await.result(SseTestClient.get(vertx, http, port, "/api/generations/" + id + "/events", "1"));
    Await.result(replay.ended(), 15_000);
    List<SseEvent> replayed = replay.events();
    assertThat(replayed).extracting(SseEvent::event).containsExactly("image", "image", "completed");
    assertThat(new JsonObject(replayed.get(0).data()).getString("b64_json")).isEqualTo(first);
    assertThat(new JsonObject(replayed.get(1).data()).getString("b64_json")).isEqualTo(second);
    assertThat(new JsonObject(client.events().get(2).data()).getString("b64_json")).isEqualTo(second);
    // Read from the network's buffers, not through the HTTP client's heap copy of every chunk.
    assertThat(api.get("/metrics").body().toString())
      .contains("seedstream_upstream_bodies_total{read=\"direct\"} 1.0")
      .contains("seedstream_upstream_bodies_total{read=\"copied\"} 0.0");
    FaultCatalogTest.eventually(() -> usedBytes() == 0, 10_000);
  }

  @Test
  @DisplayName("a half-read event is given back when the job is cancelled mid-event")
  void halfReadEventReturnedOnCancel() {
    startGateway(fake.url(), Map.of("SEEDSTREAM_RETENTION_MS", "100"));
    SseTestClient client = open();
    String id = new JsonObject(Await.result(client.event(0)).event().data()).getString("id");
    FakeExchange upstream = Await.result(fake.exchange(0));
    String half = "event: image_generation.partial_succeeded\ndata: {\"type\":\"image_generation.partial_succeeded\","
      + "\"image_index\":0,\"b64_json\":\"" + TestImages.jpegBase64(2 << 20, 3).substring(0, 1 << 20);
    upstream.streamHead().write(half);
    FaultCatalogTest.eventually(() -> usedBytes() > 512 * 1024, 10_000);
    assertThat(Await.result(api.call(HttpMethod.DELETE, "/api/generations/" + id, null, null)).status()).isBetween(200, 204);
    Await.result(client.ended(), 10_000);
    FaultCatalogTest.eventually(() -> usedBytes() == 0, 10_000);
  }

  @Test
  @DisplayName("a listener still reading when the job is dropped keeps the bytes until it is done, and gets them intact")
  void slowListenerOutlivesTheJob() {
    startGateway(fake.url(), Map.of("SEEDSTREAM_RETENTION_MS", "50", "SEEDSTREAM_WRITE_TIMEOUT_MS", "20000"));
    SseTestClient client = open();
    String id = new JsonObject(Await.result(client.event(0)).event().data()).getString("id");
    client.response().pause();
    String image = TestImages.jpegBase64(12 << 20, 4);
    FakeExchange upstream = Await.result(fake.exchange(0));
    upstream.streamHead()
      .event("image_generation.partial_succeeded", new JsonObject().put("image_index", 0).put("b64_json", image).put("size", "4096x4096"))
      .completed(1).done().end();
    // Dropped from the registry (its snapshot is gone) while the paused client has not read the image.
    FaultCatalogTest.eventually(() -> api.get("/api/generations/" + id).status() == 404, 10_000);
    assertThat(usedBytes()).as("still held for the listener mid-frame").isGreaterThan((long) image.length() - 65_536);
    client.response().resume();
    Await.result(client.ended(), 20_000);
    assertThat(client.events()).extracting(SseEvent::event).containsExactly("started", "image", "completed");
    assertThat(new JsonObject(client.events().get(1).data()).getString("b64_json")).isEqualTo(image);
    FaultCatalogTest.eventually(() -> usedBytes() == 0, 10_000);
  }
}
