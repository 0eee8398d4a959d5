package dev.seedstream.http;

import dev.seedstream.support.GatewayTestBase;
import dev.seedstream.support.Await;
import dev.seedstream.support.FakeExchange;
import dev.seedstream.support.SseTestClient;
import dev.seedstream.support.TestHttp;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.net.NetClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The gateway as a network service: headers, CORS, size limits, slow clients and header injection. */
@DisplayName("HTTP hardening")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpHardeningTest extends GatewayTestBase {

  static final String BODY = GatewayEndToEndTest.BODY;
  static final String ALLOWED = "https://app.example";

  NetClient tcp;

  @BeforeEach
  void setUp() {
    tcp = vertx.createNetClient();
  }

  @Override
  protected void startGateway(Map<String, String> overrides) {
    Map<String, String> env = new HashMap<>(overrides);
    env.putIfAbsent("SEEDSTREAM_CORS_ORIGINS", ALLOWED + ",https://other.example");
    startGateway(fake.url(), env);
  }

  TestHttp.Response call(HttpMethod method, String path, MultiMap headers, String body) {
    return Await.result(api.call(method, path, headers, body));
  }

  static MultiMap headers(String... pairs) {
    MultiMap map = MultiMap.caseInsensitiveMultiMap();
    for (int i = 0; i < pairs.length; i += 2) {
      map.add(pairs[i], pairs[i + 1]);
    }
    return map;
  }

  RawSocket raw() {
    return Await.result(RawSocket.connect(vertx, tcp, port));
  }

  Future<Void> when(java.util.function.BooleanSupplier condition) {
    return Await.condition(vertx, condition);
  }

  @Test
  @DisplayName("X5 headers: the page, the job API, the stream and /v1 carry CSP, nosniff, no-referrer and the right caching")
  void securityHeaders() {
    startGateway(Map.of());
    TestHttp.Response page = api.get("/");
    assertThat(page.header("Content-Security-Policy")).isEqualTo("default-src 'self'; img-src 'self' data: https: http:; "
      + "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
    assertThat(page.header("X-Content-Type-Options")).isEqualTo("nosniff");
    assertThat(page.header("Referrer-Policy")).isEqualTo("no-referrer");
    TestHttp.Response accepted = api.post("/api/generations", BODY);
    assertThat(accepted.header("Cache-Control")).isEqualTo("no-store");
    assertThat(accepted.header("X-Content-Type-Options")).isEqualTo("nosniff");
    assertThat(api.get("/api/generations/" + accepted.json().getString("id")).header("Cache-Control")).isEqualTo("no-store");
    assertThat(api.get("/api/generations/unknown").header("Cache-Control")).isEqualTo("no-store");
    assertThat(api.post("/v1/images/generations", "{}").header("Cache-Control")).isEqualTo("no-store");
    SseTestClient stream = Await.result(SseTestClient.get(vertx, http, port, accepted.json().getString("events_url"), null));
    assertThat(stream.response().getHeader("Cache-Control")).isEqualTo("no-cache");
    assertThat(stream.response().getHeader("X-Accel-Buffering")).isEqualTo("no");
    assertThat(stream.response().getHeader("Referrer-Policy")).isEqualTo("no-referrer");
    assertThat(stream.response().getHeader("X-Content-Type-Options")).isEqualTo("nosniff");
  }

  @Test
  @DisplayName("X5 headers: with SEEDSTREAM_IMAGE_HOSTS the CSP admits images from those hosts only")
  void cspWithImageHosts() {
    startGateway(Map.of("SEEDSTREAM_IMAGE_HOSTS", "*.volces.com, https://cdn.example.com:8443"));
    assertThat(api.get("/").header("Content-Security-Policy")).isEqualTo("default-src 'self'; img-src 'self' data: "
      + "https://*.volces.com https://cdn.example.com:8443; connect-src 'self'; object-src 'none'; base-uri 'none'; "
      + "frame-ancestors 'none'");
  }

  @Test
  @DisplayName("X9 CORS: an allowed origin is echoed exactly with Vary: Origin; preflight lists methods and headers")
  void corsAllowedOrigin() {
    startGateway(Map.of());
    TestHttp.Response preflight = call(HttpMethod.OPTIONS, "/api/generations", headers("Origin", ALLOWED,
      "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization, content-type"), null);
    assertThat(preflight.status()).isEqualTo(204);
    assertThat(preflight.header("Access-Control-Allow-Origin")).isEqualTo(ALLOWED);
    assertThat(preflight.header("Vary")).contains("Origin");
    assertThat(preflight.header("Access-Control-Allow-Methods")).contains("POST").contains("DELETE");
    assertThat(preflight.header("Access-Control-Allow-Headers"))
      .contains("Authorization").contains("Content-Type").contains("Last-Event-ID").contains("Idempotency-Key");
    TestHttp.Response credentialed = call(HttpMethod.POST, "/api/generations", headers("Origin", ALLOWED, "Cookie", "a=b"), BODY);
    assertThat(credentialed.status()).isEqualTo(202);
    assertThat(credentialed.header("Access-Control-Allow-Origin")).isEqualTo(ALLOWED);
    assertThat(credentialed.header("Access-Control-Allow-Credentials")).isEqualTo("true");
    assertThat(credentialed.header("Vary")).contains("Origin");
  }

  @Test
  @DisplayName("X9 CORS: a foreign origin gets no ACAO (preflight or request), and never '*'")
  void corsForeignOrigin() {
    startGateway(Map.of());
    TestHttp.Response preflight = call(HttpMethod.OPTIONS, "/api/generations", headers("Origin", "https://evil.example",
      "Access-Control-Request-Method", "POST"), null);
    assertThat(preflight.headers().names()).noneMatch(name -> name.toLowerCase().startsWith("access-control-"));
    TestHttp.Response request = call(HttpMethod.GET, "/api/models", headers("Origin", "https://app.example.evil.com"), null);
    assertThat(request.header("Access-Control-Allow-Origin")).isNull();
    assertThat(request.header("Vary")).contains("Origin");
    TestHttp.Response nul = call(HttpMethod.GET, "/api/models", headers("Origin", "null"), null);
    assertThat(nul.header("Access-Control-Allow-Origin")).isNull();
  }

  @Test
  @DisplayName("X7 size: a Content-Length over the cap is 413 before the body is sent, and no upstream call")
  void oversizedContentLength() {
    startGateway(Map.of("SEEDSTREAM_MAX_REQUEST_BYTES", "4096"));
    RawSocket socket = raw();
    socket.write("POST /api/generations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      + "Content-Length: 100000000\r\n\r\n{\"model\":");
    Await.result(when(() -> socket.received().contains("\r\n\r\n")));
    assertThat(socket.received()).startsWith("HTTP/1.1 413");
    assertThat(fake.requestCount()).isZero();
  }

  @Test
  @DisplayName("X7 size: a chunked body that grows over the cap is 413 as soon as it crosses it")
  void oversizedChunked() {
    startGateway(Map.of("SEEDSTREAM_MAX_REQUEST_BYTES", "4096"));
    RawSocket socket = raw();
    // Valid JSON so far: the size, not the syntax, is what must refuse it.
    String chunk = "{\"prompt\":\"" + "x".repeat(5000);
    socket.write("POST /v1/images/generations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      + "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(chunk.length()) + "\r\n" + chunk + "\r\n");
    Await.result(when(() -> socket.received().contains("\r\n\r\n")));
    assertThat(socket.received()).startsWith("HTTP/1.1 413");
    assertThat(fake.requestCount()).isZero();
  }

  @Test
  @DisplayName("X7 size: 9 KiB of headers is 431; max_images=1000 is 400; neither calls upstream")
  void oversizedHeadersAndFields() {
    startGateway(Map.of());
    RawSocket socket = raw();
    socket.write("GET /api/models HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + "a".repeat(9 * 1024) + "\r\n\r\n");
    Await.result(when(() -> socket.received().contains("\r\n")));
    assertThat(socket.received()).startsWith("HTTP/1.1 431");
    TestHttp.Response many = api.post("/api/generations", "{\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"x\","
      + "\"sequential_image_generation\":\"auto\",\"sequential_image_generation_options\":{\"max_images\":1000}}");
    assertThat(many.status()).isEqualTo(400);
    assertThat(many.json().getJsonObject("error").getJsonArray("violations").encode()).contains("max_images");
    assertThat(fake.requestCount()).isZero();
  }

  @Test
  @DisplayName("X11 slowloris: trickled headers and a stalled body are cut at their deadlines; health stays quick; "
    + "an open event stream outlives them")
  void slowClients() {
    startGateway(Map.of("SEEDSTREAM_HEADER_TIMEOUT_MS", "1000", "SEEDSTREAM_BODY_TIMEOUT_MS", "1000",
      "SEEDSTREAM_HEARTBEAT_MS", "60000"));
    SseTestClient stream = Await.result(SseTestClient.open(vertx, http, port, HttpMethod.POST, "/api/generations", null,
      Buffer.buffer(BODY)));
    FakeExchange upstream = Await.result(fake.exchange(0));
    long streamOpened = System.nanoTime();
    List<RawSocket> slow = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      RawSocket socket = raw();
      socket.write("GET /healthz HTTP/1.1\r\nHost: 1");
      slow.add(socket);
    }
    RawSocket idle = raw();
    RawSocket slowBody = raw();
    slowBody.write("POST /api/generations HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      + "Content-Length: 500\r\n\r\n{\"model\":");
    long started = System.nanoTime();
    assertThat(api.get("/healthz").status()).isEqualTo(200);
    System.out.printf("healthz with 52 slow connections open: %.1f ms%n", (System.nanoTime() - started) / 1e6);
    for (RawSocket socket : slow) {
      Await.result(socket.closed(), 5000);
      assertThat(socket.received()).isEmpty();
    }
    Await.result(idle.closed(), 5000);
    Await.result(slowBody.closed(), 5000);
    assertThat(fake.requestCount()).isEqualTo(1);
    assertThat((System.nanoTime() - streamOpened) / 1_000_000).isGreaterThanOrEqualTo(1000);
    // The stream opened before all of that has been quiet past both deadlines and is still served.
    upstream.streamHead().image(0, "https://tos.example.com/0.jpeg");
    assertThat(Await.result(stream.event(1)).event().event()).isEqualTo("image");
    upstream.completed(1).done().end();
    Await.result(stream.ended());
  }

  @Test
  @DisplayName("X11 slowloris: a kept-alive connection serves several requests, then is closed once idle past the deadline")
  void keepAliveThenIdle() {
    startGateway(Map.of("SEEDSTREAM_HEADER_TIMEOUT_MS", "1000"));
    RawSocket socket = raw();
    socket.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    Await.result(when(() -> socket.received().contains("\"ok\"")));
    socket.write("GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    Await.result(when(() -> socket.received().contains("\"ready\"")));
    Await.result(socket.closed(), 5000);
    assertThat(socket.received()).contains("HTTP/1.1 200").doesNotContain("408");
  }

  @Test
  @DisplayName("X11 slowloris: after an upload, a kept-alive connection is still closed once idle past the deadline")
  void keepAliveAfterUploadThenIdle() {
    startGateway(Map.of("SEEDSTREAM_HEADER_TIMEOUT_MS", "1000"));
    byte[] png = HostileRequestTest.noisePng(64, 64);
    String body = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n"
      + new String(png, StandardCharsets.ISO_8859_1) + "\r\n--b--\r\n";
    RawSocket socket = raw();
    socket.write("POST /api/uploads HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=b\r\n"
      + "Content-Length: " + body.length() + "\r\n\r\n" + body);
    Await.result(when(() -> socket.received().contains("\"uploads\"")));
    assertThat(socket.received()).startsWith("HTTP/1.1 200");
    Await.result(socket.closed(), 5000);
  }

  @Test
  @DisplayName("X12 header injection: CR/LF in a path, an Origin or a Last-Event-ID never splits a response")
  void headerInjection() {
    startGateway(Map.of());
    RawSocket socket = raw();
    socket.write("GET /api/generations/x%0d%0aSet-Cookie:%20a=b/events HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      + "Origin: https://app.example%0d%0aX-Injected: 1\r\nLast-Event-ID: 1%0d%0aX-Evil: 1\r\n\r\n");
    Await.result(when(() -> socket.received().contains("}")));
    String response = socket.received();
    assertThat(response).startsWith("HTTP/1.1 404");
    String head = response.substring(0, response.indexOf("\r\n\r\n"));
    assertThat(head.toLowerCase()).doesNotContain("set-cookie").doesNotContain("x-injected").doesNotContain("x-evil")
      .doesNotContain("access-control-allow-origin");
    RawSocket bare = raw();
    bare.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: " + ALLOWED + "\rX-Injected: 1\r\n\r\n");
    Await.result(when(() -> bare.received().contains("\r\n\r\n") || bare.closed().isComplete()));
    assertThat(bare.received().toLowerCase()).doesNotContain("x-injected");
  }
}
