package dev.seedstream.dropin;

import dev.seedstream.support.GatewayTestBase;
import dev.seedstream.support.Await;
import dev.seedstream.support.FakeExchange;
import dev.seedstream.support.TestGateway;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.NetServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code POST /v1/images/generations} against a scripted upstream, judged by the raw bytes the client gets. */
@DisplayName("Drop-in relay /v1/images/generations")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DropInRelayTest extends GatewayTestBase {

  static final String PATH = "/v1/images/generations";
  static final String STREAM_BODY = "{\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"three cats\",\"stream\":true,"
    + "\"sequential_image_generation\":\"auto\",\"sequential_image_generation_options\":{\"max_images\":3}}";
  static final String JSON_BODY = "{\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"a fox\",\"response_format\":\"url\"}";


  RawCall post(String body) {
    return Await.result(RawCall.post(vertx, http, port, PATH, null, body, false));
  }

  @Test
  @DisplayName("stream:true is relayed byte for byte: CRLF framing, split chunks, partial_failed, [DONE], nothing added")
  void streamByteForByte() {
    startGateway(Map.of("SEEDSTREAM_HEARTBEAT_MS", "100"));
    Future<RawCall> call = RawCall.post(vertx, http, port, PATH, null, STREAM_BODY, false);
    FakeExchange upstream = Await.result(fake.exchange(0));
    assertThat(upstream.headers().get("Authorization")).isEqualTo("Bearer " + TestGateway.CANARY_KEY);
    assertThat(upstream.body().getBoolean("stream")).isTrue();
    assertThat(upstream.body().getJsonObject("sequential_image_generation_options").getInteger("max_images")).isEqualTo(3);
    String part1 = "event: image_generation.partial_succeeded\r\ndata: {\"type\":\"image_generation.partial_succeeded\","
      + "\"image_index\":0,\"url\":\"https://tos.example.com/0.jpeg?X-Tos-Expires=86400\",\"size\":\"2048x2048\"}\r\n\r\n";
    String part2 = "event: image_generation.partial_failed\r\ndata: {\"type\":\"image_generation.partial_failed\","
      + "\"image_index\":1,\"error\":{\"code\":\"OutputImageSensitiveContentDetected\",\"message\":\"sensitive\"}}\r\n\r\n";
    String part3 = "event: image_generation.completed\r\ndata: {\"type\":\"image_generation.completed\","
      + "\"usage\":{\"generated_images\":1,\"output_tokens\":16384,\"total_tokens\":16384}}\r\n\r\ndata: [DONE]\r\n\r\n";
    upstream.streamHead().write(part1.substring(0, 17));
    RawCall client = Await.result(call);
    assertThat(client.response().statusCode()).isEqualTo(200);
    assertThat(client.response().getHeader("Content-Type")).isEqualTo("text/event-stream");
    // Quiet for longer than the job API's heartbeat: the relay must not fill the gap with anything.
    vertx.setTimer(350, t -> upstream.write(part1.substring(17)).write(part2).write(part3).end());
    Await.result(client.ended());
    assertThat(client.bytes().toString(StandardCharsets.UTF_8)).isEqualTo(part1 + part2 + part3);
    // No job is kept, and the relay's slot in the running count is given back.
    Await.result(waitFor(() -> gateway.jobs().running() == 0));
  }

  @Test
  @DisplayName("stream:false (or absent) is asked for as such and the upstream's JSON is relayed as is")
  void jsonRelayedAsIs() {
    startGateway(Map.of());
    String answer = "{\"model\":\"doubao-seedream-4-5-251128\",\"created\":1757323224,\"data\":[{\"url\":\"https://tos.example.com/a.jpeg\","
      + "\"size\":\"2048x2048\"}],\"usage\":{\"generated_images\":1,\"output_tokens\":16384,\"total_tokens\":16384}}";
    fake.autoScript(exchange -> exchange.response().putHeader("Content-Type", "application/json").end(answer));
    RawCall client = post(JSON_BODY);
    Await.result(client.ended());
    assertThat(client.response().statusCode()).isEqualTo(200);
    assertThat(client.response().getHeader("Content-Type")).isEqualTo("application/json");
    assertThat(client.bytes().toString(StandardCharsets.UTF_8)).isEqualTo(answer);
    JsonObject sent = Await.result(fake.exchange(0)).body();
    assertThat(sent.getBoolean("stream")).isFalse();
    assertThat(sent.getString("response_format")).isEqualTo("url");
  }

  @Test
  @DisplayName("an invalid request answers 400 in the upstream envelope: param = first field, message lists all")
  void validationInUpstreamEnvelope() {
    startGateway(Map.of());
    RawCall client = post("{\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"\",\"size\":\"12x12\",\"colour\":1}");
    Await.result(client.ended());
    assertThat(client.response().statusCode()).isEqualTo(400);
    JsonObject error = new JsonObject(client.bytes()).getJsonObject("error");
    assertThat(error.fieldNames()).containsExactlyInAnyOrder("code", "message", "param", "type");
    assertThat(error.getString("code")).isEqualTo("InvalidParameter");
    assertThat(error.getString("type")).isEqualTo("invalid_request");
    assertThat(error.getString("param")).isEqualTo("colour");
    assertThat(error.getString("message")).contains("colour").contains("prompt").contains("size");
    assertThat(fake.requestCount()).isZero();
  }

  @Test
  @DisplayName("upstream errors keep their status, Retry-After and envelope; the key an upstream echoes is removed")
  void upstreamErrorsRelayed() {
    startGateway(Map.of());
    fake.autoScript(exchange -> {
      if (fake.requestCount() == 1) {
        exchange.error(429, "{\"error\":{\"code\":\"ModelAccountIpmRateLimitExceeded\",\"message\":\"IPM limit exceeded.\","
          + "\"param\":\"\",\"type\":\"TooManyRequests\"}}", "7");
      } else {
        exchange.error(401, "{\"error\":{\"code\":\"AuthenticationError\",\"message\":\"key " + TestGateway.CANARY_KEY
          + " is invalid\",\"param\":\"\",\"type\":\"Unauthorized\"}}", null);
      }
    });
    RawCall limited = post(JSON_BODY);
    Await.result(limited.ended());
    assertThat(limited.response().statusCode()).isEqualTo(429);
    assertThat(limited.response().getHeader("Retry-After")).isEqualTo("7");
    JsonObject error = new JsonObject(limited.bytes()).getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("ModelAccountIpmRateLimitExceeded");
    assertThat(error.getString("type")).isEqualTo("TooManyRequests");

    RawCall refused = post(JSON_BODY);
    Await.result(refused.ended());
    assertThat(refused.response().statusCode()).isEqualTo(401);
    String text = refused.bytes().toString(StandardCharsets.UTF_8);
    assertThat(text).doesNotContain(TestGateway.CANARY_KEY).doesNotContain("sk-CANARY").contains("AuthenticationError");
  }

  @Test
  @DisplayName("a Retry-After beyond a day is capped at a day, as the job API caps it")
  void retryAfterCapped() {
    startGateway(Map.of());
    fake.autoScript(exchange -> exchange.error(429, "{\"error\":{\"code\":\"ModelAccountIpmRateLimitExceeded\","
      + "\"message\":\"IPM limit exceeded.\",\"param\":\"\",\"type\":\"TooManyRequests\"}}", "999999"));
    RawCall limited = post(JSON_BODY);
    Await.result(limited.ended());
    assertThat(limited.response().statusCode()).isEqualTo(429);
    assertThat(limited.response().getHeader("Retry-After")).isEqualTo("86400");
  }

  @Test
  @DisplayName("a 200 that is neither JSON nor an event stream (a proxy's HTML page) is a 502 JSON error, sanitised")
  void htmlAnswerBecomesJsonError() {
    startGateway(Map.of());
    fake.autoScript(exchange -> exchange.response().putHeader("Content-Type", "text/html; charset=utf-8")
      .end("<html><body>Bad gateway for " + TestGateway.CANARY_KEY + "</body></html>"));
    for (String body : new String[] {JSON_BODY, STREAM_BODY}) {
      RawCall client = post(body);
      Await.result(client.ended());
      assertThat(client.response().statusCode()).isEqualTo(502);
      assertThat(client.response().getHeader("Content-Type")).startsWith("application/json");
      String text = client.bytes().toString(StandardCharsets.UTF_8);
      JsonObject error = new JsonObject(text).getJsonObject("error");
      assertThat(error.fieldNames()).containsExactlyInAnyOrder("code", "message", "param", "type");
      assertThat(error.getString("type")).isEqualTo("upstream_protocol");
      assertThat(error.getString("message")).contains("text/html");
      assertThat(text).doesNotContain("<html>").doesNotContain("CANARY");
    }
  }

  @Test
  @DisplayName("a body encoded though the gateway asked for none is a 502, since it cannot be checked; x-request-id is")
  void encodedBodyRefusedAndHeadersChecked() {
    startGateway(Map.of());
    fake.autoScript(exchange -> {
      exchange.response().putHeader("Content-Type", "application/json")
        .putHeader("x-request-id", "req-" + TestGateway.CANARY_KEY.toUpperCase());
      if (exchange.body().getString("prompt").equals("gzip")) {
        exchange.response().putHeader("Content-Encoding", "gzip");
      }
      exchange.response().end("{\"data\":[]}");
    });
    RawCall encoded = post(JSON_BODY.replace("a fox", "gzip"));
    Await.result(encoded.ended());
    assertThat(encoded.response().statusCode()).isEqualTo(502);
    assertThat(new JsonObject(encoded.bytes()).getJsonObject("error").getString("type")).isEqualTo("upstream_protocol");
    RawCall plain = post(JSON_BODY);
    Await.result(plain.ended());
    assertThat(plain.response().statusCode()).isEqualTo(200);
    assertThat(plain.response().getHeader("x-request-id")).isEqualTo("req-[redacted]");
  }

  @Test
  @DisplayName("a client that goes away resets the upstream request at once")
  void clientDisconnectResetsUpstream() {
    startGateway(Map.of());
    Future<RawCall> call = RawCall.post(vertx, http, port, PATH, null, STREAM_BODY, false);
    FakeExchange upstream = Await.result(fake.exchange(0));
    upstream.streamHead().image(0, "https://tos.example.com/0.jpeg");
    RawCall client = Await.result(call);
    Await.result(waitFor(() -> client.length() > 0));
    long before = System.nanoTime();
    client.close();
    long closedAt = Await.result(upstream.closed(), 1000);
    System.out.printf("/v1 client gone -> upstream closed: %.3f ms%n", (closedAt - before) / 1e6);
    Await.result(waitFor(() -> gateway.jobs().running() == 0));
  }

  @Test
  @DisplayName("an image's base64 goes from the network's buffers to a paused client's socket: byte for byte, read directly")
  void imageFromNetworkBuffers() {
    startGateway(Map.of());
    Future<RawCall> call = RawCall.post(vertx, http, port, PATH, null, STREAM_BODY, true);
    FakeExchange upstream = Await.result(fake.exchange(0));
    upstream.streamHead();
    // Larger than what the sockets and the client's write queue hold, so reading pauses with slices queued.
    byte[] image = new byte[8 << 20];
    new Random(7).nextBytes(image);
    String body = "event: image_generation.partial_succeeded\r\ndata: {\"type\":\"image_generation.partial_succeeded\","
      + "\"image_index\":0,\"b64_json\":\"" + Base64.getEncoder().encodeToString(image) + "\",\"size\":\"2048x2048\"}\r\n\r\n"
      + "event: image_generation.completed\r\ndata: {\"type\":\"image_generation.completed\","
      + "\"usage\":{\"generated_images\":1}}\r\n\r\ndata: [DONE]\r\n\r\n";
    // Odd-sized pieces, so the image's string and its opening land across chunk boundaries.
    for (int from = 0; from < body.length(); from += 7919) {
      upstream.write(body.substring(from, Math.min(body.length(), from + 7919)));
    }
    upstream.end();
    RawCall client = Await.result(call);
    client.resume();
    Await.result(client.ended(), 30_000);
    assertThat(client.bytes().toString(StandardCharsets.US_ASCII)).isEqualTo(body);
    assertThat(api.get("/metrics").body().toString())
      .contains("seedstream_upstream_bodies_total{read=\"direct\"} 1.0")
      .contains("seedstream_upstream_bodies_total{read=\"copied\"} 0.0");
  }

  @Test
  @DisplayName("an upstream body whose chunked framing breaks cuts the client's stream, never ends it cleanly; the next call works")
  void brokenChunkFramingCutsTheStream() {
    String event = "data: {\"type\":\"image_generation.partial_succeeded\",\"image_index\":0,"
      + "\"url\":\"https://tos.example.com/0.jpeg\",\"size\":\"2048x2048\"}\n\n";
    String head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
    String chunk = Integer.toHexString(event.length()) + "\r\n" + event + "\r\n";
    AtomicInteger answered = new AtomicInteger();
    NetServer upstream = vertx.createNetServer().connectHandler(socket -> {
      AtomicBoolean once = new AtomicBoolean();
      socket.handler(request -> {
        if (!once.getAndSet(true)) {
          // The first answer's framing breaks after one good chunk (a chunk size that is not hex); a later one is whole.
          socket.write(head + chunk + (answered.getAndIncrement() == 0 ? "zz\r\nno more\r\n" : "0\r\n\r\n"));
        }
      });
    });
    int upstreamPort = Await.result(upstream.listen(0, "127.0.0.1")).actualPort();
    startGateway("http://127.0.0.1:" + upstreamPort + "/v1/images/generations", Map.of());
    RawCall broken = Await.result(RawCall.post(vertx, http, port, PATH, null, STREAM_BODY, false));
    boolean cut = Await.result(broken.ended().transform(ar -> Future.succeededFuture(ar.failed())), 10_000);
    assertThat(cut).as("the client's stream was cut, not ended as if complete").isTrue();
    RawCall whole = Await.result(RawCall.post(vertx, http, port, PATH, null, STREAM_BODY, false));
    Await.result(whole.ended(), 10_000);
    assertThat(whole.bytes().toString(StandardCharsets.US_ASCII)).isEqualTo(event);
    upstream.close();
  }

  @Test
  @DisplayName("backpressure: while the client does not read, the upstream is not read either; then every byte arrives")
  void backpressure() {
    startGateway(Map.of());
    Future<RawCall> call = RawCall.post(vertx, http, port, PATH, null, STREAM_BODY, true);
    FakeExchange upstream = Await.result(fake.exchange(0));
    upstream.streamHead();
    Buffer chunk = Buffer.buffer(("data: " + "x".repeat(64 * 1024 - 8) + "\n\n").getBytes(StandardCharsets.US_ASCII));
    long limit = 256L << 20;
    Future<Long> blocked = fillUntilBlocked(upstream.response(), chunk, limit);
    RawCall client = Await.result(call);
    long written = Await.result(blocked, 30_000);
    System.out.printf("upstream blocked after %.1f MiB while the client was paused%n", written / 1048576.0);
    assertThat(written).as("the gateway stopped reading the upstream").isLessThan(limit);
    client.resume();
    upstream.done().end();
    Await.result(client.ended(), 30_000);
    assertThat((long) client.length()).isEqualTo(written + "data: [DONE]\n\n".length());
  }

  @Test
  @DisplayName("no first byte within the first-event timeout: 504 in the upstream envelope, upstream closed")
  void firstEventTimeout() {
    startGateway(Map.of("SEEDSTREAM_FIRST_EVENT_TIMEOUT_MS", "300"));
    Future<RawCall> call = RawCall.post(vertx, http, port, PATH, null, STREAM_BODY, false);
    FakeExchange upstream = Await.result(fake.exchange(0));
    RawCall client = Await.result(call);
    Await.result(client.ended());
    assertThat(client.response().statusCode()).isEqualTo(504);
    JsonObject error = new JsonObject(client.bytes()).getJsonObject("error");
    assertThat(error.getString("type")).isEqualTo("upstream_timeout");
    Await.result(upstream.closed(), 2000);
  }

  @Test
  @DisplayName("silence mid-stream beyond the idle timeout cuts both connections (the stream is not completed)")
  void idleTimeoutMidStream() {
    startGateway(Map.of("SEEDSTREAM_IDLE_TIMEOUT_MS", "300"));
    Future<RawCall> call = RawCall.post(vertx, http, port, PATH, null, STREAM_BODY, false);
    FakeExchange upstream = Await.result(fake.exchange(0));
    upstream.streamHead().image(0, "https://tos.example.com/0.jpeg");
    RawCall client = Await.result(call);
    Future<Void> ended = client.ended();
    Await.result(upstream.closed(), 3000);
    Await.result(Future.future(p -> ended.onComplete(ar -> p.complete(ar.failed()))), 3000);
    assertThat(ended.failed()).as("the client sees a cut stream, not a clean end").isTrue();
  }

  /** Writes until the socket to the gateway pushes back (or {@code limit}); completes with the bytes written. */
  Future<Long> fillUntilBlocked(HttpServerResponse response, Buffer chunk, long limit) {
    Promise<Long> result = Promise.promise();
    vertx.runOnContext(v -> writeMore(response, chunk, limit, 0, result));
    return result.future();
  }

  private void writeMore(HttpServerResponse response, Buffer chunk, long limit, long written, Promise<Long> result) {
    long total = written;
    while (!response.writeQueueFull() && total < limit) {
      response.write(chunk);
      total += chunk.length();
    }
    if (total >= limit) {
      result.complete(total);
      return;
    }
    long soFar = total;
    // A full queue that drains means the gateway is still reading; give it a moment to stop.
    long timer = vertx.setTimer(500, t -> result.tryComplete(soFar));
    response.drainHandler(d -> {
      vertx.cancelTimer(timer);
      if (!result.future().isComplete()) {
        writeMore(response, chunk, limit, soFar, result);
      }
    });
  }

  Future<Void> waitFor(java.util.function.BooleanSupplier condition) {
    Promise<Void> promise = Promise.promise();
    vertx.setPeriodic(10, id -> {
      if (condition.getAsBoolean()) {
        vertx.cancelTimer(id);
        promise.tryComplete();
      }
    });
    return promise.future();
  }
}
