package dev.seedstream.http;

import dev.seedstream.support.Await;
import dev.seedstream.support.FakeExchange;
import dev.seedstream.support.GatewayTestBase;
import dev.seedstream.support.SseTestClient;
import dev.seedstream.support.TestHttp;
import dev.seedstream.support.TestImages;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/** Event streams are bounded per job, per client and in total, and every way a stream ends gives its place back. */
@DisplayName("Listener limits")
class ListenerLimitsTest extends GatewayTestBase {

  static final String BODY = GatewayEndToEndTest.BODY;
  static final Pattern SENDING = Pattern.compile("seedstream_event_slices_sending_bytes ([0-9.E]+)");

  String newJob() {
    return api.post("/api/generations", BODY).json().getString("events_url");
  }

  SseTestClient listen(String events) {
    SseTestClient client = Await.result(SseTestClient.get(vertx, http, port, events, null));
    assertThat(client.response().statusCode()).isEqualTo(200);
    return client;
  }

  TestHttp.Response refused(String events) {
    return Await.result(api.call(HttpMethod.GET, events, MultiMap.caseInsensitiveMultiMap().add("Accept", "text/event-stream"), null));
  }

  void assertRefused(TestHttp.Response response, int status, String code) {
    assertThat(response.status()).isEqualTo(status);
    assertThat(response.json().getJsonObject("error").getString("code")).isEqualTo(code);
    assertThat(response.header("Retry-After")).isNotNull();
  }

  long gauge(Pattern pattern) {
    Matcher m = pattern.matcher(api.get("/metrics").body().toString());
    assertThat(m.find()).as("the gauge is published").isTrue();
    return (long) Double.parseDouble(m.group(1));
  }

  void awaitListeners(long count) {
    FaultCatalogTest.eventually(() -> api.get("/metrics").body().toString().contains("seedstream_listeners " + count + ".0"), 10_000);
  }

  @Test
  @DisplayName("beyond the per-job limit a stream gets 429 rate_limited with Retry-After; a closed stream frees its place")
  void perJob() {
    startGateway(Map.of("SEEDSTREAM_MAX_LISTENERS_PER_JOB", "2"));
    String events = newJob();
    SseTestClient first = listen(events);
    listen(events);
    assertRefused(refused(events), 429, "rate_limited");
    listen(newJob());
    first.close();
    awaitListeners(2);
    listen(events);
  }

  @Test
  @DisplayName("beyond the per-client limit 429, for a GET and for a POST that asks for a stream, which starts no upstream call")
  void perClient() {
    startGateway(Map.of("SEEDSTREAM_MAX_LISTENERS_PER_CLIENT", "2"));
    String events = newJob();
    listen(events);
    listen(newJob());
    assertRefused(refused(events), 429, "rate_limited");
    // Both jobs' upstream calls have arrived before counting: a 202 comes back before its call reaches the fake.
    Await.result(fake.exchange(1));
    int calls = fake.requestCount();
    TestHttp.Response post = Await.result(api.call(HttpMethod.POST, "/api/generations",
      MultiMap.caseInsensitiveMultiMap().add("Accept", "text/event-stream"), BODY));
    assertRefused(post, 429, "rate_limited");
    assertThat(fake.requestCount()).as("no job was started for a stream that was refused").isEqualTo(calls);
  }

  @Test
  @DisplayName("beyond the total 503 overloaded with Retry-After")
  void total() {
    startGateway(Map.of("SEEDSTREAM_MAX_LISTENERS", "2"));
    listen(newJob());
    listen(newJob());
    assertRefused(refused(newJob()), 503, "overloaded");
  }

  @Test
  @DisplayName("a stream's place comes back when the client leaves, when its job ends and when it is dropped for not reading")
  void everyEndGivesThePlaceBack() throws IOException {
    startGateway(Map.of("SEEDSTREAM_MAX_LISTENERS_PER_CLIENT", "1", "SEEDSTREAM_WRITE_TIMEOUT_MS", "500"));
    // The client leaves.
    String events = newJob();
    listen(events).close();
    awaitListeners(0);

    // Its job ends.
    SseTestClient reader = listen(events);
    FakeExchange first = Await.result(fake.exchange(0));
    first.streamHead().image(0, "https://tos.example.com/0.jpeg").completed(1).done().end();
    Await.result(reader.ended());
    awaitListeners(0);

    // It stops reading an image larger than any socket buffers, and is dropped after the write timeout.
    String big = "{\"model\":\"doubao-seedream-4-0-250828\",\"prompt\":\"a fox\",\"response_format\":\"b64_json\"}";
    String bigEvents = api.post("/api/generations", big).json().getString("events_url");
    try (Socket stalled = new Socket()) {
      stalled.setReceiveBufferSize(4096);
      stalled.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
      stalled.getOutputStream().write(("GET " + bigEvents + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Accept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      awaitListeners(1);
      Await.result(fake.exchange(1)).streamHead().event("image_generation.partial_succeeded", new JsonObject()
        .put("image_index", 0).put("b64_json", TestImages.jpegBase64(12 << 20, 5)).put("size", "4096x4096"));
      awaitListeners(0);
      Await.result(listen(bigEvents).event(1), 20_000);
    }
    FaultCatalogTest.eventually(() -> gauge(SENDING) == 0, 10_000);
  }
}
