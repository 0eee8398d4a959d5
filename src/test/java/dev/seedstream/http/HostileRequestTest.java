package dev.seedstream.http;

import dev.seedstream.failure.ApiException;
import dev.seedstream.support.Await;
import dev.seedstream.support.GatewayTestBase;
import dev.seedstream.support.LogCapture;
import dev.seedstream.support.TestHttp;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Requests built to hurt the gateway: huge bodies of unknown fields, arrays of bogus images, oversized
 * prompts and inline images, and requests a foreign web page could forge. Each is refused with a small,
 * specific answer, at once, without a paid call, while the gateway keeps answering everyone else.
 */
@DisplayName("Hostile requests")
class HostileRequestTest extends GatewayTestBase {

  static final String MODEL = "doubao-seedream-4-5-251128";

  /** What a streamed request got back, and how long a health check took while it was being refused. */
  record Outcome(int status, JsonObject body, long healthMs) {
  }

  /**
   * Streams a body of {@code totalBytes} (made of repeated {@code piece}s after {@code head}) without holding it,
   * as fast as the gateway takes it, and calls {@code /healthz} while the first of it is on its way.
   *
   * <p>All of it is set up inside the chain that {@link TestHttp#onContext} runs on the event loop: there no future
   * completes before its listeners are attached. Continued on the test thread instead (an {@code onSuccess} on the
   * returned future runs there whenever the request is ready first), the health check's response could be read in
   * full before {@code response.body()} was attached, when the test thread was descheduled for a few milliseconds;
   * Vert.x keeps no body for a handler set that late, so that wait never ended.
   */
  Outcome stream(String path, String head, IntFunction<String> piece, long totalBytes) {
    Promise<Object[]> answered = Promise.promise();
    Promise<Long> health = Promise.promise();
    TestHttp.onContext(vertx, () -> http.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
      .setPort(port).setURI(path).addHeader("Content-Type", "application/json")
      .addHeader("Content-Length", String.valueOf(totalBytes))).map(request -> {
        request.response().compose(resp -> resp.body().map(body -> new Object[] {resp.statusCode(), body}))
          .onComplete(answered);
        new BodyWriter(request, head, piece, totalBytes).write();
        // A health check sent while the hostile body is on its way: the event loop must answer it at once.
        long started = System.nanoTime();
        // A bare request, not through TestHttp: its contract check would add its own first-use cost to the time.
        http.request(HttpMethod.GET, port, "127.0.0.1", "/healthz").compose(HttpClientRequest::send)
          .compose(response -> response.body())
          .onComplete(ar -> health.complete((System.nanoTime() - started) / 1_000_000));
        return request;
      })).onFailure(answered::tryFail);
    Object[] answer = Await.result(answered.future(), 60_000);
    long healthMs = Await.result(health.future(), 60_000);
    System.out.println(path + " hostile body of " + totalBytes + " bytes: answered " + answer[0] + ", /healthz meanwhile in "
      + healthMs + " ms");
    return new Outcome((int) answer[0], ((Buffer) answer[1]).toJsonObject(), healthMs);
  }

  /** Writes a generated body with backpressure, stopping quietly when the gateway closes the connection. */
  static final class BodyWriter {
    private final HttpClientRequest request;
    private final IntFunction<String> piece;
    private final long total;
    private long sent;
    private int index;
    private boolean failed;

    BodyWriter(HttpClientRequest request, String head, IntFunction<String> piece, long total) {
      this.request = request;
      this.piece = piece;
      this.total = total;
      request.exceptionHandler(e -> failed = true);
      send(head);
    }

    void write() {
      while (!failed && sent < total && !request.writeQueueFull()) {
        StringBuilder chunk = new StringBuilder(65536);
        while (chunk.length() < 60_000) {
          chunk.append(piece.apply(index++));
        }
        send(chunk.length() > total - sent ? chunk.substring(0, (int) (total - sent)) : chunk.toString());
      }
      if (!failed && sent < total) {
        request.drainHandler(v -> write());
      } else if (!failed) {
        request.end();
      }
    }

    private void send(String text) {
      byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
      sent += bytes.length;
      request.write(Buffer.buffer(bytes)).onFailure(e -> failed = true);
    }
  }

  static MultiMap headers(String... pairs) {
    MultiMap map = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < pairs.length; i += 2) {
      map.add(pairs[i], pairs[i + 1]);
    }
    return map;
  }

  TestHttp.Response post(String path, MultiMap headers, String body) {
    return Await.result(api.call(HttpMethod.POST, path, headers, body));
  }

  static String validBody() {
    return new JsonObject().put("model", MODEL).put("prompt", "a cat").encode();
  }

  @Test
  @DisplayName("item 1: 64 MB of five million unknown fields is refused after the 64th, with a short answer, while /healthz answers")
  void millionsOfUnknownFields() {
    startGateway(Map.of("SEEDSTREAM_MAX_JSON_BYTES", String.valueOf(1L << 30), "SEEDSTREAM_MAX_REQUEST_BYTES", String.valueOf(64L << 20)));
    Outcome outcome = stream("/api/generations", "{", i -> "\"f" + i + "\":1,", 64L << 20);
    assertThat(outcome.status()).isEqualTo(400);
    JsonObject error = outcome.body().getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("invalid_request");
    assertThat(error.getJsonArray("violations")).hasSizeLessThanOrEqualTo(ApiException.MAX_LISTED_VIOLATIONS);
    assertThat(error.getJsonArray("violations").getJsonObject(0).getString("message")).contains("more than 64 fields");
    assertThat(outcome.body().encode().length()).isLessThan(2_000);
    assertThat(outcome.healthMs()).as("/healthz while the body is refused").isLessThan(1_000);
    assertThat(fake.requestCount()).isZero();
  }

  @Test
  @DisplayName("item 1: the same attack on /v1 is refused the same way, in the upstream's error envelope")
  void unknownFieldsOnV1() {
    startGateway(Map.of());
    Outcome outcome = stream("/v1/images/generations", "{", i -> "\"f" + i + "\":1,", 8L << 20);
    assertThat(outcome.status()).isEqualTo(400);
    assertThat(outcome.body().getJsonObject("error").getString("message")).contains("more than 64 fields");
    assertThat(fake.requestCount()).isZero();
  }

  @Test
  @DisplayName("item 1: sixty unknown fields list the first 50 violations and count the rest")
  void violationsAreCapped() {
    startGateway(Map.of());
    JsonObject body = new JsonObject().put("model", MODEL).put("prompt", "a cat");
    for (int i = 0; i < 60; i++) {
      body.put("unknown_" + i, i);
    }
    TestHttp.Response response = post("/api/generations", null, body.encode());
    assertThat(response.status()).isEqualTo(400);
    JsonObject error = response.json().getJsonObject("error");
    assertThat(error.getJsonArray("violations")).hasSize(50);
    assertThat(error.getInteger("violations_omitted")).isEqualTo(10);
    assertThat(error.getString("message")).contains("60 problems").contains("first 50");
  }

  @Test
  @DisplayName("item 1: a 20 MB array of bogus image entries is refused after the 64th entry")
  void hugeImageArray() {
    startGateway(Map.of());
    Outcome outcome = stream("/api/generations", "{\"model\":\"" + MODEL + "\",\"prompt\":\"x\",\"image\":[",
      i -> "\"bogus-" + i + "\",", 20L << 20);
    assertThat(outcome.status()).isEqualTo(400);
    JsonObject violation = outcome.body().getJsonObject("error").getJsonArray("violations").getJsonObject(0);
    assertThat(violation.getString("field")).isEqualTo("image");
    assertThat(violation.getString("message")).contains("more than 64 entries");
    assertThat(fake.requestCount()).isZero();
  }

  @Test
  @DisplayName("item 1: JSON outside inline images over SEEDSTREAM_MAX_JSON_BYTES is 413 naming the limit and the setting")
  void jsonBudget() {
    startGateway(Map.of("SEEDSTREAM_MAX_JSON_BYTES", "65536"));
    Outcome outcome = stream("/api/generations", "{\"model\":\"" + MODEL + "\",\"prompt\":\"", i -> "word ", 8L << 20);
    assertThat(outcome.status()).isEqualTo(413);
    JsonObject error = outcome.body().getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("payload_too_large");
    assertThat(error.getLong("limit_bytes")).isEqualTo(65536);
    assertThat(error.getString("setting")).isEqualTo("SEEDSTREAM_MAX_JSON_BYTES");
    assertThat(fake.requestCount()).isZero();
  }

  @Test
  @DisplayName("item 1: a 20 MB inline image is a violation on image[0] that names the per-image limit and its size")
  void oversizedInlineImage() {
    startGateway(Map.of());
    long total = 20L << 20;
    Outcome outcome = stream("/api/generations", "{\"model\":\"" + MODEL + "\",\"prompt\":\"x\",\"image\":[\"data:image/png;base64,",
      i -> "AAAA", total - 100);
    assertThat(outcome.status()).isEqualTo(400);
    JsonObject violation = outcome.body().getJsonObject("error").getJsonArray("violations").getJsonObject(0);
    assertThat(violation.getString("field")).isEqualTo("image[0]");
    assertThat(violation.getString("message")).contains("10485760").contains("bytes").doesNotContainIgnoringCase("jackson")
      .doesNotContain("StreamReadConstraints");
    assertThat(fake.requestCount()).isZero();
  }

  @Test
  @DisplayName("item 1: malformed JSON and a body that is not an object get plain violations")
  void malformedBodies() {
    startGateway(Map.of());
    assertThat(post("/api/generations", null, "{\"model\":").json().getJsonObject("error").getJsonArray("violations")
      .getJsonObject(0).getString("message")).contains("not complete JSON");
    assertThat(post("/api/generations", null, "[1,2]").json().encode()).contains("must be a JSON object");
    assertThat(post("/api/generations", null, "{} {}").json().encode()).contains("nothing after it");
    assertThat(post("/api/generations", null, "").json().encode()).contains("the body is empty");
    String deep = "{\"a\":".repeat(20) + "1" + "}".repeat(20);
    assertThat(post("/api/generations", null, deep).json().encode()).contains("nested deeper than 8");
    assertThat(fake.requestCount()).isZero();
  }

  @Test
  @DisplayName("item 5: a prompt over SEEDSTREAM_MAX_PROMPT_CHARS is refused before the upstream; one at the cap is sent")
  void promptCap() {
    startGateway(Map.of("SEEDSTREAM_MAX_PROMPT_CHARS", "1000"));
    TestHttp.Response refused = post("/api/generations", null,
      new JsonObject().put("model", MODEL).put("prompt", "猫".repeat(1001)).encode());
    assertThat(refused.status()).isEqualTo(400);
    JsonObject violation = refused.json().getJsonObject("error").getJsonArray("violations").getJsonObject(0);
    assertThat(violation.getString("field")).isEqualTo("prompt");
    assertThat(violation.getString("message")).contains("1001 characters").contains("SEEDSTREAM_MAX_PROMPT_CHARS");
    TestHttp.Response accepted = post("/api/generations", null,
      new JsonObject().put("model", MODEL).put("prompt", "猫".repeat(1000)).encode());
    assertThat(accepted.status()).isEqualTo(202);
  }

  @Test
  @DisplayName("item 5: a 19.5 MB prompt is refused while it streams in, by the JSON budget")
  void hugePrompt() {
    startGateway(Map.of());
    Outcome outcome = stream("/api/generations", "{\"model\":\"" + MODEL + "\",\"prompt\":\"", i -> "猫", 19_500_000);
    assertThat(outcome.status()).isEqualTo(413);
    assertThat(outcome.body().getJsonObject("error").getString("setting")).isEqualTo("SEEDSTREAM_MAX_JSON_BYTES");
    assertThat(fake.requestCount()).isZero();
  }

  @Test
  @DisplayName("item 3: text/plain and form bodies are 415 on both JSON endpoints; JSON and no type are accepted")
  void nonJsonBodies() {
    startGateway(Map.of());
    for (String path : new String[] {"/api/generations", "/v1/images/generations"}) {
      for (String type : new String[] {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"}) {
        TestHttp.Response response = post(path, headers("Content-Type", type), validBody());
        assertThat(response.status()).as(path + " " + type).isEqualTo(415);
      }
    }
    assertThat(fake.requestCount()).isZero();
    assertThat(post("/api/generations", headers("Content-Type", "application/json; charset=utf-8"), validBody()).status())
      .isEqualTo(202);
    assertThat(post("/api/generations", null, validBody()).status()).isEqualTo(202);
  }

  @Test
  @DisplayName("item 3: a cross-site POST or DELETE is 403 unless its origin is on SEEDSTREAM_CORS_ORIGINS; same-origin passes")
  void crossSiteRequests() {
    startGateway(Map.of("SEEDSTREAM_CORS_ORIGINS", "https://app.example"));
    TestHttp.Response foreign = post("/api/generations", headers("Origin", "https://evil.example",
      "Content-Type", "application/json"), validBody());
    assertThat(foreign.status()).isEqualTo(403);
    assertThat(foreign.json().getJsonObject("error").getString("code")).isEqualTo("cross_site_refused");
    assertThat(post("/api/generations", headers("Origin", "null"), validBody()).status()).isEqualTo(403);
    assertThat(post("/api/generations", headers("Sec-Fetch-Site", "cross-site"), validBody()).status()).isEqualTo(403);
    assertThat(post("/v1/images/generations", headers("Origin", "https://evil.example"), validBody()).status()).isEqualTo(403);
    assertThat(fake.requestCount()).isZero();

    TestHttp.Response own = post("/api/generations", headers("Origin", "http://127.0.0.1:" + port,
      "Sec-Fetch-Site", "same-origin"), validBody());
    assertThat(own.status()).isEqualTo(202);
    assertThat(post("/api/generations", headers("Origin", "https://app.example"), validBody()).status()).isEqualTo(202);
    String id = own.json().getString("id");
    TestHttp.Response foreignCancel = Await.result(api.call(HttpMethod.DELETE, "/api/generations/" + id,
      headers("Origin", "https://evil.example"), null));
    assertThat(foreignCancel.status()).isEqualTo(403);
    TestHttp.Response foreignRead = Await.result(api.call(HttpMethod.GET, "/api/generations/" + id,
      headers("Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"), null));
    assertThat(foreignRead.status()).as("a read is not state-changing; CORS keeps its answer from the page").isEqualTo(200);
  }

  @Test
  @DisplayName("item 3: a Host the gateway is not known by (DNS rebinding) is 421; loopback names, IPs and allowed hosts pass")
  void dnsRebinding() {
    startGateway(Map.of("SEEDSTREAM_ALLOWED_HOSTS", "gateway.example.com,*.corp.example"));
    TestHttp.Response rebound = Await.result(api.call(HttpMethod.GET, "/api/generations",
      headers("Host", "attacker.example:" + port), null));
    assertThat(rebound.status()).isEqualTo(421);
    assertThat(rebound.json().getJsonObject("error").getString("message")).contains("SEEDSTREAM_ALLOWED_HOSTS");
    assertThat(Await.result(api.call(HttpMethod.GET, "/", headers("Host", "attacker.example"), null)).status()).isEqualTo(421);
    for (String host : new String[] {"127.0.0.1:" + port, "localhost:" + port, "LOCALHOST", "app.localhost", "[::1]:" + port,
      "gateway.example.com", "Gateway.Example.Com:443", "a.corp.example"}) {
      assertThat(Await.result(api.call(HttpMethod.GET, "/api/models", headers("Host", host), null)).status())
        .as(host).isEqualTo(200);
    }
  }

  @Test
  @DisplayName("item 3: SEEDSTREAM_ALLOWED_HOSTS=* turns the Host check off")
  void anyHost() {
    startGateway(Map.of("SEEDSTREAM_ALLOWED_HOSTS", "*"));
    assertThat(Await.result(api.call(HttpMethod.GET, "/api/models", headers("Host", "anything.example"), null)).status())
      .isEqualTo(200);
  }

  @Test
  @DisplayName("item 1: a request with small inline images is checked off the event loop and still accepted")
  void inlineImagesStillWork() {
    startGateway(Map.of());
    String png = "data:image/png;base64," + java.util.Base64.getEncoder().encodeToString(noisePng(400, 400));
    JsonObject body = new JsonObject().put("model", MODEL).put("prompt", "a cat").put("image", new JsonArray().add(png));
    TestHttp.Response response = post("/api/generations", null, body.encode());
    assertThat(response.status()).as(response.body().toString()).isEqualTo(202);
    assertThat(Await.result(fake.exchange(0)).body().getJsonArray("image").getString(0)).isEqualTo(png);
  }

  /** A real PNG of random pixels: it does not compress, so 400x400 is about half a megabyte. */
  static byte[] noisePng(int width, int height) {
    var image = new java.awt.image.BufferedImage(width, height, java.awt.image.BufferedImage.TYPE_INT_RGB);
    var random = new java.util.Random(7);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.setRGB(x, y, random.nextInt());
      }
    }
    var out = new java.io.ByteArrayOutputStream();
    try {
      javax.imageio.ImageIO.write(image, "png", out);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  @Test
  @DisplayName("item 6: a request with both Transfer-Encoding and Content-Length is answered, then its connection closed")
  void ambiguousLengthClosesTheConnection() {
    startGateway(Map.of());
    RawSocket socket = Await.result(RawSocket.connect(vertx, vertx.createNetClient(), port));
    String body = validBody();
    socket.write("POST /api/generations?dry_run=true HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(body.length()) + "\r\n" + body
      + "\r\n0\r\n\r\n");
    Await.result(socket.closed(), 5_000);
    assertThat(socket.received()).startsWith("HTTP/1.1 200").containsIgnoringCase("connection: close");

    RawSocket plain = Await.result(RawSocket.connect(vertx, vertx.createNetClient(), port));
    String health = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    plain.write(health + health);
    Await.result(Await.condition(vertx, () -> plain.received().split("HTTP/1.1 200", -1).length == 3));
    assertThat(plain.closed().isComplete()).as("an ordinary connection answers a second request").isFalse();
  }

  @Test
  @DisplayName("item 1: a body refused part-way is logged when answered, and its request is let go with its connection")
  void refusedBodyEndsItsRequest() {
    LogCapture log = new LogCapture().start();
    try {
      startGateway(Map.of());
      Map<String, Long> before = heldReaders();
      // The headers promise a megabyte, the body stops after too many fields: refused on what arrived, rest unread.
      String head = "POST /api/generations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + "Content-Length: 1000000\r\n\r\n{" + IntStream.range(0, JsonBodyReader.MAX_MEMBERS + 10)
        .mapToObj(i -> "\"f" + i + "\":1,").collect(Collectors.joining());
      List<RawSocket> sockets = new ArrayList<>();
      for (int i = 0; i < REFUSED_BODIES; i++) {
        RawSocket socket = Await.result(RawSocket.connect(vertx, vertx.createNetClient(), port));
        socket.write(head);
        sockets.add(socket);
      }
      for (RawSocket socket : sockets) {
        Await.result(socket.closed(), 10_000);
        assertThat(socket.received()).startsWith("HTTP/1.1 400").containsIgnoringCase("connection: close")
          .contains("more than 64 fields");
      }
      assertThat(log.lines()).as("access-log lines of the refused requests")
        .filteredOn(line -> line.contains("POST /api/generations 400")).hasSize(REFUSED_BODIES);
      // Their connections are closed: nothing may keep their requests (each with its body reader) any longer.
      Await.result(Await.condition(vertx, () -> heldReaders().getOrDefault(READER, 0L) <= before.getOrDefault(READER, 0L)));
    } finally {
      log.stop();
    }
  }

  static final int REFUSED_BODIES = 3;
  static final String READER = "dev.seedstream.http.JsonBodyReader$Reading";

  static Map<String, Long> heldReaders() {
    try {
      return HeldStreamStateTest.liveInstances();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  @DisplayName("item 6: with SEEDSTREAM_METRICS_TOKEN, /metrics needs it; with client tokens alone, any client token")
  void metricsAccess() {
    startGateway(Map.of("SEEDSTREAM_METRICS_TOKEN", "scrape-0123456789abcdef"));
    assertThat(api.get("/metrics").status()).isEqualTo(401);
    assertThat(Await.result(api.call(HttpMethod.GET, "/metrics", headers("Authorization", "Bearer wrong-0123456789abcdef"),
      null)).status()).isEqualTo(401);
    TestHttp.Response scraped = Await.result(api.call(HttpMethod.GET, "/metrics",
      headers("Authorization", "Bearer scrape-0123456789abcdef"), null));
    assertThat(scraped.status()).isEqualTo(200);
    assertThat(scraped.body().toString()).contains("seedstream_");
    Await.result(vertx.undeploy(gateway.deploymentID()));

    startGateway(Map.of("SEEDSTREAM_TOKENS", "alice:alice-token-0123456789"));
    assertThat(api.get("/metrics").status()).isEqualTo(401);
    assertThat(Await.result(api.call(HttpMethod.GET, "/metrics", headers("Authorization", "Bearer alice-token-0123456789"),
      null)).status()).isEqualTo(200);
  }

  @Test
  @DisplayName("item 6: a client with SEEDSTREAM_MAX_UPLOADS_PER_CLIENT uploads in progress gets 429 for one more")
  void uploadsPerClient() {
    startGateway(Map.of("SEEDSTREAM_MAX_UPLOADS_PER_CLIENT", "1"));
    Promise<HttpClientRequest> first = Promise.promise();
    TestHttp.onContext(vertx, () -> http.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
      .setPort(port).setURI("/api/uploads").addHeader("Content-Type", "multipart/form-data; boundary=b")
      .addHeader("Content-Length", "100000"))).onSuccess(request -> {
        request.write("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n"
          + "Content-Type: image/png\r\n\r\n").onSuccess(v -> first.complete(request));
      });
    Await.result(first.future());
    // The first upload's head may still be on its way to the gateway: ask until it is counted (bounded).
    TestHttp.Response second = null;
    for (int attempt = 0; attempt < 100 && (second == null || second.status() != 429); attempt++) {
      second = Await.result(api.call(HttpMethod.POST, "/api/uploads",
        headers("Content-Type", "multipart/form-data; boundary=b"), "--b--\r\n"));
    }
    assertThat(second.status()).isEqualTo(429);
    assertThat(second.header("Retry-After")).isNotNull();
    assertThat(second.json().getJsonObject("error").getString("message")).contains("SEEDSTREAM_MAX_UPLOADS_PER_CLIENT");
  }
}
