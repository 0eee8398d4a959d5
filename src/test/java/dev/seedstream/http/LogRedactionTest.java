package dev.seedstream.http;

import dev.seedstream.Gateway;
import dev.seedstream.support.Await;
import dev.seedstream.support.LogCapture;
import dev.seedstream.support.FakeExchange;
import dev.seedstream.support.FakeUpstream;
import dev.seedstream.support.SseTestClient;
import dev.seedstream.support.TestGateway;
import dev.seedstream.support.TestHttp;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every log line of a run (root JUL handler, our loggers at ALL) and every byte sent to clients, across a
 * normal job, an upstream 401 that echoes the key, a wrong token, a stale access parameter and the /v1
 * relay: the upstream key and the client token appear nowhere; signatures, the access parameter and
 * inline images never reach the log (clients do receive their own image URLs and access parameter).
 */
@DisplayName("Log redaction and secret handling")
class LogRedactionTest {

  static final String TOKEN = "client-token-CANARY-0123456789";
  static final String SIGNATURE = "95ed1d75393161dc0ea150c0c9b6d72298d4b27ea3ca305bcf07268ffe55CANARY";
  static final String URL = "https://ark.tos-cn-beijing.volces.com/a.jpeg?X-Tos-Algorithm=TOS4-HMAC-SHA256"
    + "&X-Tos-Expires=86400&X-Tos-Signature=" + SIGNATURE + "&sig=" + SIGNATURE;
  static final String BODY = "{\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"a fox\",\"response_format\":\"b64_json\"}";

  final LogCapture log = new LogCapture();
  final StringBuilder sent = new StringBuilder();
  Vertx vertx;
  FakeUpstream fake;
  HttpClient http;
  TestHttp api;
  int port;

  @BeforeEach
  void setUp() {
    log.start();
    vertx = Gateway.newVertx();
    fake = Await.result(FakeUpstream.start(vertx));
    http = vertx.createHttpClient();
    port = Await.result(TestGateway.start(vertx, TestGateway.config(fake.url(), Map.of("SEEDSTREAM_TOKENS", "team:" + TOKEN))))
      .actualPort();
    api = new TestHttp(vertx, http, port);
  }

  @AfterEach
  void tearDown() {
    Await.result(vertx.close());
    log.stop();
  }

  TestHttp.Response call(HttpMethod method, String path, String token, String body) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    if (token != null) {
      headers.add("Authorization", "Bearer " + token);
    }
    TestHttp.Response response = Await.result(api.call(method, path, headers, body));
    record(response.headers(), response.body().toString());
    return response;
  }

  void record(MultiMap headers, String body) {
    synchronized (sent) {
      headers.forEach((k, v) -> sent.append(k).append(": ").append(v).append('\n'));
      sent.append(body).append('\n');
    }
  }

  SseTestClient stream(String path) {
    return Await.result(SseTestClient.get(vertx, http, port, path, null));
  }

  @Test
  @DisplayName("X1 X2 the key, the token, signatures, access parameters and b64 blobs never reach a log line")
  void nothingSecretIsLogged() {
    String jpeg = Base64.getEncoder().encodeToString(new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff, (byte) 0xe0,
      'C', 'A', 'N', 'A', 'R', 'Y', 'B', '6', '4', '!', '!', '!', 1, 2, 3, 4, 5, 6, 7, 8});
    // A normal job, watched through EventSource-style access.
    JsonObject accepted = call(HttpMethod.POST, "/api/generations", TOKEN, BODY).json();
    String eventsUrl = accepted.getString("events_url");
    String access = eventsUrl.substring(eventsUrl.indexOf("access=") + 7);
    SseTestClient watcher = stream(eventsUrl);
    FakeExchange first = Await.result(fake.exchange(0));
    first.streamHead().image(0, URL)
      .event("image_generation.partial_succeeded", new JsonObject().put("image_index", 1).put("b64_json", jpeg))
      .completed(2).done().end();
    Await.result(watcher.ended());
    record(watcher.response().headers(), watcher.raw());
    assertThat(watcher.raw()).contains(SIGNATURE).contains(jpeg);
    call(HttpMethod.GET, "/api/generations/" + accepted.getString("id"), TOKEN, null);

    // An upstream that echoes the key in its 401, for the job API and for /v1.
    fake.autoScript(exchange -> exchange.error(401, "{\"error\":{\"code\":\"AuthenticationError\",\"message\":\"the key "
      + TestGateway.CANARY_KEY + " (Authorization: Bearer " + TestGateway.CANARY_KEY + ") is invalid, see " + URL
      + "\",\"param\":\"\",\"type\":\"Unauthorized\"}}", null));
    JsonObject failing = call(HttpMethod.POST, "/api/generations", TOKEN, BODY).json();
    SseTestClient failed = stream(failing.getString("events_url"));
    Await.result(failed.ended());
    record(failed.response().headers(), failed.raw());
    assertThat(failed.events().get(failed.events().size() - 1).event()).isEqualTo("error");
    call(HttpMethod.POST, "/v1/images/generations", TOKEN, BODY.replace("}", ",\"stream\":true}"));
    call(HttpMethod.POST, "/v1/images/generations", TOKEN, BODY);

    // Refused callers: a wrong token, and a forged access parameter.
    call(HttpMethod.POST, "/api/generations", TOKEN + "x", BODY);
    call(HttpMethod.GET, "/api/generations/" + accepted.getString("id") + "/events?access=1." + access, null, null);
    call(HttpMethod.GET, "/api/generations/nope?token=" + TOKEN, TOKEN, null);

    List<String> logLines = log.lines();
    String logged = String.join("", logLines);
    assertThat(logLines).as("the access log saw the calls").anyMatch(line -> line.contains("POST /v1/images/generations 401"));
    assertThat(logLines).anyMatch(line -> line.contains("GET /api/generations/" + accepted.getString("id") + "/events 200"));
    assertThat(logged).doesNotContain(TestGateway.CANARY_KEY).doesNotContain("sk-CANARY").doesNotContain(TOKEN)
      .doesNotContain(SIGNATURE).doesNotContain("X-Tos-Signature=9").doesNotContain(access)
      .doesNotContain("access=").doesNotContain(jpeg).doesNotContain("CANARY");
    String downstream;
    synchronized (sent) {
      downstream = sent.toString();
    }
    assertThat(downstream).doesNotContain(TestGateway.CANARY_KEY).doesNotContain("sk-CANARY").doesNotContain(TOKEN);
    assertThat(downstream).contains("AuthenticationError");
  }
}
