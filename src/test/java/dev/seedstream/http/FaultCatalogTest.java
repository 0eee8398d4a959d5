package dev.seedstream.http;

import dev.seedstream.sse.SseEvent;
import dev.seedstream.support.GatewayTestBase;
import dev.seedstream.support.Await;
import dev.seedstream.support.FakeExchange;
import dev.seedstream.support.SseTestClient;
import dev.seedstream.support.TestHttp;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reliability cases of docs/reliability-catalogue.md item by item, each against the
 * scripted fake upstream over real HTTP. Items covered elsewhere: R3 {@code GatewayEndToEndTest.replayWithLastEventId},
 * R4, R6–R12 {@code UpstreamFaultsTest}, R22 {@code GatewayEndToEndTest.hundredConcurrentJobs}.
 */
@DisplayName("Reliability catalogue")
class FaultCatalogTest extends GatewayTestBase {

  static final String BODY = "{\"model\":\"doubao-seedream-4-0-250828\",\"prompt\":\"a fox\"}";
  static final String B64_BODY = "{\"model\":\"doubao-seedream-4-0-250828\",\"prompt\":\"a fox\",\"response_format\":\"b64_json\"}";


  SseTestClient stream(String body) {
    return Await.result(SseTestClient.open(vertx, http, port, HttpMethod.POST, "/api/generations", null, Buffer.buffer(body)));
  }

  static JsonObject data(SseEvent event) {
    return new JsonObject(event.data());
  }

  @Test
  @DisplayName("R1 a client gone before the first upstream byte: the upstream call is reset once the abandon time passes")
  void r1DisconnectBeforeFirstByte() {
    startGateway(fake.url(), Map.of("SEEDSTREAM_ABANDON_MS", "100"));
    SseTestClient client = stream(BODY);
    FakeExchange upstream = Await.result(fake.exchange(0));
    long closedByClient = System.nanoTime();
    client.close();
    long upstreamClosed = Await.result(upstream.closed(), 2000);
    System.out.printf("R1 client close -> upstream reset: %.1f ms (abandon time 100 ms)%n", (upstreamClosed - closedByClient) / 1e6);
    assertThat(upstreamClosed - closedByClient).isLessThan(1_000_000_000L);
  }

  @Test
  @DisplayName("R2 a client gone after image 1 of 4: upstream reset, no completed recorded as success")
  void r2DisconnectMidStream() {
    startGateway(fake.url(), Map.of("SEEDSTREAM_ABANDON_MS", "100"));
    SseTestClient client = stream(BODY);
    String id = data(Await.result(client.event(0)).event()).getString("id");
    FakeExchange upstream = Await.result(fake.exchange(0));
    upstream.streamHead().image(0, "https://tos.example.com/0.jpeg");
    Await.result(client.event(1));
    client.close();
    Await.result(upstream.closed(), 2000);
    JsonObject snapshot = api.get("/api/generations/" + id).json();
    assertThat(snapshot.getString("status")).isEqualTo("cancelled");
    assertThat(snapshot.getJsonArray("images").size()).as("the delivered image stays").isEqualTo(1);
    assertThat(api.get("/metrics").body().toString()).contains("seedstream_jobs_cancelled_total{reason=\"abandoned\"} 1.0");
  }

  @Test
  @DisplayName("R5 a connect that never completes fails at our connect timeout, not Vert.x's 60 s")
  void r5ConnectTimeout() throws IOException {
    // A listener with a backlog of one that never accepts, filled up: further SYNs go unanswered.
    try (ServerSocket blackhole = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
         Socket a = new Socket(InetAddress.getLoopbackAddress(), blackhole.getLocalPort());
         Socket b = new Socket(InetAddress.getLoopbackAddress(), blackhole.getLocalPort())) {
      startGateway("http://127.0.0.1:" + blackhole.getLocalPort() + "/api/v3/images/generations",
        Map.of("SEEDSTREAM_CONNECT_TIMEOUT_MS", "300", "SEEDSTREAM_UPSTREAM_RETRIES", "0"));
      long start = System.nanoTime();
      SseTestClient client = stream(BODY);
      Await.result(client.ended(), 5000);
      long ms = (System.nanoTime() - start) / 1_000_000;
      List<SseEvent> events = client.events();
      assertThat(data(events.get(events.size() - 1)).getString("code")).isEqualTo("upstream_timeout");
      assertThat(ms).isBetween(250L, 3000L);
    }
  }

  static Stream<Arguments> malformedStreams() {
    String image = "event: image_generation.partial_succeeded\ndata: {\"type\":\"image_generation.partial_succeeded\",\"image_index\":0,\"url\":\"https://tos.example.com/0.jpeg\",\"size\":\"2048x2048\"}\n\n";
    String done = "event: image_generation.completed\ndata: {\"type\":\"image_generation.completed\",\"usage\":{\"generated_images\":1}}\n\ndata: [DONE]\n\n";
    return Stream.of(
      Arguments.of("invalid JSON between good events", image + "data: {not json\n\n" + done, List.of("started", "image", "completed")),
      Arguments.of("unknown event type", image + "event: image_generation.mystery\ndata: {\"type\":\"image_generation.mystery\"}\n\n" + done, List.of("started", "image", "completed")),
      Arguments.of("missing fields (no url, no b64_json)", "data: {\"type\":\"image_generation.partial_succeeded\",\"image_index\":0}\n\n" + done, List.of("started", "image_failed", "completed")),
      Arguments.of("CR-only line ends", (image + done).replace("\n", "\r"), List.of("started", "image", "completed")),
      Arguments.of("CRLF line ends", (image + done).replace("\n", "\r\n"), List.of("started", "image", "completed")),
      Arguments.of("a BOM first", "\uFEFF" + image + done, List.of("started", "image", "completed")),
      Arguments.of("comments and keep-alives", ": PING\n\n" + image + ": PING\n\n" + done, List.of("started", "image", "completed")),
      Arguments.of("data: without a space, multi-line data", image.replace("data: ", "data:") + "data: {\"type\":\n data: 1}\n\n" + done, List.of("started", "image", "completed")),
      Arguments.of("an id with NUL", "id: 1\u00002\n" + image + done, List.of("started", "image", "completed")),
      Arguments.of("non-UTF-8 bytes in a comment", ": \u00ff\u00fe\n\n" + image + done, List.of("started", "image", "completed")),
      Arguments.of("an HTML error page with status 200", "<html><body>Bad gateway</body></html>", List.of("started", "error")),
      Arguments.of("fields of the wrong JSON type, all in one chunk", image
        + "data: {\"type\":7}\n\n"
        + "data: {\"type\":\"image_generation.partial_succeeded\",\"image_index\":\"one\",\"url\":\"https://tos.example.com/1.jpeg\",\"size\":[2]}\n\n"
        + "data: {\"type\":\"image_generation.partial_failed\",\"image_index\":2.5,\"error\":\"boom\"}\n\n"
        + "data: {\"type\":\"image_generation.partial_failed\",\"image_index\":3,\"error\":{\"code\":9,\"message\":{\"a\":1}}}\n\n"
        + "data: {\"type\":\"image_generation.completed\",\"usage\":\"lots\"}\n\ndata: [DONE]\n\n",
        List.of("started", "image", "image", "image_failed", "image_failed", "completed")),
      Arguments.of("a line longer than the cap with no newline", "data: " + "A".repeat(20_000), List.of("started", "error")));
  }

  @ParameterizedTest(name = "R13 {0}")
  @MethodSource("malformedStreams")
  @DisplayName("R13 malformed upstream streams: no crash or hang, good events around bad ones still relayed")
  void r13MalformedStreams(String name, String transcript, List<String> expected) {
    startGateway(fake.url(), Map.of("SEEDSTREAM_MAX_EVENT_BYTES", "16384"));
    fake.autoScript(ex -> {
      ex.streamHead().write(Buffer.buffer(transcript.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)));
      ex.end();
    });
    SseTestClient client = stream(BODY);
    Await.result(client.ended(), 5000);
    assertThat(client.events()).extracting(SseEvent::event).containsExactlyElementsOf(expected);
  }

  @Test
  @DisplayName("R13 a gzip-encoded body the gateway did not ask for is a protocol error")
  void r13GzipBody() {
    startGateway(fake.url(), Map.of());
    fake.autoScript(ex -> {
      ex.streamHead().response().putHeader("Content-Encoding", "gzip");
      ex.write(Buffer.buffer(new byte[] {0x1f, (byte) 0x8b, 8, 0})).end();
    });
    SseTestClient client = stream(BODY);
    Await.result(client.ended(), 5000);
    List<SseEvent> events = client.events();
    assertThat(data(events.get(events.size() - 1)).getString("code")).isEqualTo("upstream_protocol");
  }

  @Test
  @DisplayName("R14 a listener that stops reading is dropped after the write timeout; the job goes on for the others")
  void r14StalledListenerIsDropped() {
    startGateway(fake.url(), Map.of("SEEDSTREAM_WRITE_TIMEOUT_MS", "300"));
    TestHttp.Response accepted = api.post("/api/generations", B64_BODY);
    String events = accepted.json().getString("events_url");
    NetClient net = vertx.createNetClient();
    NetSocket stalled = Await.result(TestHttp.onContext(vertx, () -> net.connect(port, "127.0.0.1")));
    stalled.pause();
    io.vertx.core.Promise<Void> stalledClosed = io.vertx.core.Promise.promise();
    stalled.closeHandler(v -> stalledClosed.tryComplete());
    stalled.write("GET " + events + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n");
    SseTestClient reader = Await.result(SseTestClient.get(vertx, http, port, events, null));
    FakeExchange upstream = Await.result(fake.exchange(0));
    byte[] jpeg = new byte[4 << 20];
    jpeg[0] = (byte) 0xFF;
    jpeg[1] = (byte) 0xD8;
    jpeg[2] = (byte) 0xFF;
    String b64 = Base64.getEncoder().encodeToString(jpeg);
    upstream.streamHead();
    for (int i = 0; i < 4; i++) {
      upstream.event("image_generation.partial_succeeded", new JsonObject().put("image_index", i).put("b64_json", b64).put("size", "2048x2048"));
    }
    upstream.completed(4).done().end();
    Await.result(reader.ended(), 20_000);
    assertThat(reader.events()).extracting(SseEvent::event).containsExactly("started", "image", "image", "image", "image", "completed");
    // A paused socket reads nothing, not even the close; the gateway's own count shows the drop.
    eventually(() -> api.get("/metrics").body().toString().contains("seedstream_listeners 0.0"), 5000);
    stalled.resume();
    Await.result(stalledClosed.future(), 5000);
  }

  @Test
  @DisplayName("R15 over the buffered-bytes budget new b64_json jobs get 503, URL jobs still start")
  void r15BufferedBytesBudget() {
    startGateway(fake.url(), Map.of("SEEDSTREAM_MAX_BUFFERED_BYTES", String.valueOf(1 << 20)));
    SseTestClient client = stream(B64_BODY);
    FakeExchange upstream = Await.result(fake.exchange(0));
    byte[] jpeg = new byte[1 << 20];
    jpeg[0] = (byte) 0xFF;
    jpeg[1] = (byte) 0xD8;
    jpeg[2] = (byte) 0xFF;
    upstream.streamHead().event("image_generation.partial_succeeded", new JsonObject().put("image_index", 0)
      .put("b64_json", Base64.getEncoder().encodeToString(jpeg)).put("size", "2048x2048")).completed(1).done().end();
    Await.result(client.ended(), 10_000);
    TestHttp.Response refused = api.post("/api/generations", B64_BODY);
    assertThat(refused.status()).isEqualTo(503);
    assertThat(refused.header("Retry-After")).isNotNull();
    assertThat(refused.json().getJsonObject("error").getString("code")).isEqualTo("overloaded");
    assertThat(api.post("/api/generations", BODY).status()).isEqualTo(202);
    assertThat(api.get("/metrics").body().toString()).contains("seedstream_buffered_event_bytes");
  }

  @Test
  @DisplayName("R17 graceful shutdown: readiness false, new jobs 503, running jobs end with a retryable shutting_down error")
  void r17GracefulShutdown() {
    startGateway(fake.url(), Map.of());
    SseTestClient client = stream(BODY);
    FakeExchange upstream = Await.result(fake.exchange(0));
    upstream.streamHead().image(0, "https://tos.example.com/0.jpeg");
    Await.result(client.event(1));
    long start = System.nanoTime();
    io.vertx.core.Future<Void> drained = gateway.drain(300);
    // drain() queues its work on the gateway's event loop before this request can arrive there.
    assertThat(api.get("/readyz").status()).isEqualTo(503);
    assertThat(api.post("/api/generations", BODY).status()).isEqualTo(503);
    Await.result(drained, 3000);
    long ms = (System.nanoTime() - start) / 1_000_000;
    Await.result(client.ended(), 2000);
    List<SseEvent> events = client.events();
    JsonObject error = data(events.get(events.size() - 1));
    assertThat(error.getString("code")).isEqualTo("shutting_down");
    assertThat(error.getBoolean("retryable")).isTrue();
    Await.result(upstream.closed(), 1000);
    assertThat(ms).as("drain deadline 300 ms, plus at most 2 s").isLessThan(2300);
  }

  @Test
  @DisplayName("R19 a duplicate POST with the same Idempotency-Key gets the same job and no second upstream call")
  void r19IdempotencyKey() {
    startGateway(fake.url(), Map.of());
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("Idempotency-Key", "order-42");
    TestHttp.Response first = Await.result(api.call(HttpMethod.POST, "/api/generations", headers, BODY));
    TestHttp.Response second = Await.result(api.call(HttpMethod.POST, "/api/generations", headers, BODY));
    assertThat(second.json().getString("id")).isEqualTo(first.json().getString("id"));
    Await.result(fake.exchange(0));
    TestHttp.Response different = Await.result(api.call(HttpMethod.POST, "/api/generations", headers,
      BODY.replace("a fox", "a cat")));
    assertThat(different.status()).isEqualTo(422);
    assertThat(fake.requestCount()).isEqualTo(1);
  }

  @Test
  @DisplayName("R20 beyond the job limit: a fast 503 with Retry-After, existing streams unaffected")
  void r20OverloadIsFast() {
    startGateway(fake.url(), Map.of("SEEDSTREAM_MAX_ACTIVE_JOBS", "2"));
    SseTestClient one = stream(BODY);
    stream(BODY);
    Await.result(fake.exchange(1));
    List<Long> micros = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      long start = System.nanoTime();
      TestHttp.Response refused = api.post("/api/generations", BODY);
      micros.add((System.nanoTime() - start) / 1000);
      assertThat(refused.status()).isEqualTo(503);
      assertThat(refused.header("Retry-After")).isEqualTo("5");
    }
    micros.sort(Long::compare);
    System.out.printf("R20 overload rejection round trip: median %.2f ms%n", micros.get(10) / 1000.0);
    assertThat(micros.get(10)).isLessThan(50_000);
    Await.result(fake.exchange(0)).streamHead().image(0, "https://tos.example.com/0.jpeg").completed(1).done().end();
    Await.result(one.ended());
    assertThat(one.events()).extracting(SseEvent::event).containsExactly("started", "image", "completed");
  }

  @Test
  @DisplayName("retries: a 429 before any event is retried after Retry-After, and the job then succeeds")
  void retriesWhenNothingWasBilled() {
    startGateway(fake.url(), Map.of("SEEDSTREAM_UPSTREAM_RETRIES", "2"));
    SseTestClient client = stream(BODY);
    Await.result(fake.exchange(0)).error(429, "{\"error\":{\"code\":\"ModelAccountIpmRateLimitExceeded\",\"message\":\"IPM\"}}", "0");
    Await.result(fake.exchange(1)).streamHead().image(0, "https://tos.example.com/0.jpeg").completed(1).done().end();
    Await.result(client.ended());
    assertThat(client.events()).extracting(SseEvent::event).containsExactly("started", "image", "completed");
    assertThat(api.get("/metrics").body().toString()).contains("seedstream_upstream_retries_total 1.0");
  }

  @Test
  @DisplayName("retries: never after the first event, since that could pay twice")
  void neverRetriesAfterAnEvent() {
    startGateway(fake.url(), Map.of("SEEDSTREAM_UPSTREAM_RETRIES", "2"));
    SseTestClient client = stream(BODY);
    FakeExchange upstream = Await.result(fake.exchange(0));
    upstream.streamHead().image(0, "https://tos.example.com/0.jpeg");
    Await.result(client.event(1));
    upstream.reset();
    Await.result(client.ended());
    assertThat(client.events()).extracting(SseEvent::event).containsExactly("started", "image", "error");
    assertThat(fake.requestCount()).isEqualTo(1);
  }

  @Test
  @DisplayName("heap with 1,000 idle listeners stays small (measured and printed)")
  void heapWithIdleListeners() {
    startGateway(fake.url(), Map.of());
    TestHttp.Response accepted = api.post("/api/generations", BODY);
    String events = accepted.json().getString("events_url");
    long before = usedHeapAfterGc();
    List<SseTestClient> listeners = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      listeners.add(Await.result(SseTestClient.get(vertx, http, port, events, null)));
    }
    Await.result(listeners.get(999).event(0));
    long after = usedHeapAfterGc();
    System.out.printf("heap with 1,000 idle listeners (gateway, fake upstream and test clients in one JVM): +%.1f MiB, %.1f KiB per listener%n",
      (after - before) / 1048576.0, (after - before) / 1024.0 / 1000);
    assertThat(api.get("/metrics").body().toString()).contains("seedstream_listeners 1000.0");
    Await.result(fake.exchange(0)).streamHead().image(0, "https://tos.example.com/0.jpeg").completed(1).done().end();
    for (SseTestClient listener : listeners) {
      Await.result(listener.ended());
    }
  }

  static long usedHeapAfterGc() {
    Runtime runtime = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return runtime.totalMemory() - runtime.freeMemory();
  }

  /** Re-checks a condition that depends on a timer inside the gateway, for at most {@code ms}. */
  static void eventually(java.util.function.BooleanSupplier condition, long ms) {
    long deadline = System.nanoTime() + ms * 1_000_000;
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition not met within " + ms + " ms").isLessThan(deadline);
      java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
    }
  }
}
