package dev.seedstream.http;

import dev.seedstream.sse.SseEvent;
import dev.seedstream.support.GatewayTestBase;
import dev.seedstream.support.Await;
import dev.seedstream.support.FakeExchange;
import dev.seedstream.support.SseTestClient;
import dev.seedstream.support.TestGateway;
import dev.seedstream.support.TestHttp;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Client tokens end to end: who may call, whose job is whose, the signed stream access and per-token limits. */
@DisplayName("Client access control")
class ClientAccessTest extends GatewayTestBase {

  static final String TOKEN_A = "token-for-alice-0123456789";
  static final String TOKEN_B = "token-for-bob-abcdefghijkl";
  static final String BODY = GatewayEndToEndTest.BODY;
  static final String ONE = "{\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"a fox\"}";


  @Override
  protected void startGateway(Map<String, String> overrides) {
    Map<String, String> env = new HashMap<>(overrides);
    env.putIfAbsent("SEEDSTREAM_TOKENS", "alice:" + TOKEN_A + ",bob:" + TOKEN_B);
    startGateway(fake.url(), env);
  }

  static MultiMap bearer(String token) {
    return MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer " + token);
  }

  TestHttp.Response call(HttpMethod method, String path, String token, String body) {
    return Await.result(api.call(method, path, token == null ? null : bearer(token), body));
  }

  @Test
  @DisplayName("tokens: a missing or wrong token is 401 unauthorized on /api and /v1, before any upstream call")
  void missingOrWrongToken() {
    startGateway(Map.of());
    TestHttp.Response none = call(HttpMethod.POST, "/api/generations", null, BODY);
    assertThat(none.status()).isEqualTo(401);
    assertThat(none.header("WWW-Authenticate")).startsWith("Bearer");
    assertThat(none.json().getJsonObject("error").getString("code")).isEqualTo("unauthorized");
    assertThat(call(HttpMethod.POST, "/api/generations", "wrong-token-000000000000", BODY).status()).isEqualTo(401);
    assertThat(Await.result(api.call(HttpMethod.POST, "/api/generations",
      MultiMap.caseInsensitiveMultiMap().add("Authorization", "Basic " + TOKEN_A), BODY)).status()).isEqualTo(401);
    assertThat(call(HttpMethod.GET, "/api/generations/abc", null, null).status()).isEqualTo(401);
    TestHttp.Response v1 = call(HttpMethod.POST, "/v1/images/generations", null, ONE);
    assertThat(v1.status()).isEqualTo(401);
    assertThat(v1.json().getJsonObject("error").getString("code")).isEqualTo("AuthenticationError");
    assertThat(fake.requestCount()).isZero();
    assertThat(call(HttpMethod.POST, "/api/generations", TOKEN_A, BODY).status()).isEqualTo(202);
  }

  @Test
  @DisplayName("tokens: the page, health, readiness and the catalogue stay open; the catalogue says tokens are required")
  void openEndpoints() {
    startGateway(Map.of());
    assertThat(api.get("/").status()).isEqualTo(200);
    assertThat(api.get("/healthz").status()).isEqualTo(200);
    assertThat(api.get("/readyz").status()).isEqualTo(200);
    TestHttp.Response models = api.get("/api/models");
    assertThat(models.status()).isEqualTo(200);
    assertThat(models.json().getBoolean("tokens_required")).isTrue();
  }

  @Test
  @DisplayName("tokens: without SEEDSTREAM_TOKENS the catalogue says none are required and calls need none")
  void noTokensConfigured() {
    port = Await.result(TestGateway.start(vertx, TestGateway.config(fake.url(), Map.of()))).actualPort();
    api = new TestHttp(vertx, http, port);
    assertThat(api.get("/api/models").json().getBoolean("tokens_required")).isFalse();
    TestHttp.Response accepted = api.post("/api/generations", BODY);
    assertThat(accepted.status()).isEqualTo(202);
    assertThat(accepted.json().getString("events_url")).doesNotContain("access=");
  }

  @Test
  @DisplayName("X10 BOLA: token B gets 404 for token A's job (snapshot, events, DELETE), exactly as for an unknown id")
  void ownership() {
    startGateway(Map.of());
    JsonObject accepted = call(HttpMethod.POST, "/api/generations", TOKEN_A, BODY).json();
    String job = "/api/generations/" + accepted.getString("id");
    TestHttp.Response unknown = call(HttpMethod.GET, "/api/generations/AAAAAAAAAAAAAAAAAAAAAA", TOKEN_B, null);
    for (HttpMethod method : new HttpMethod[] {HttpMethod.GET, HttpMethod.DELETE}) {
      TestHttp.Response foreign = call(method, job, TOKEN_B, null);
      assertThat(foreign.status()).isEqualTo(404);
      assertThat(foreign.body()).isEqualTo(unknown.body());
    }
    assertThat(call(HttpMethod.GET, job + "/events", TOKEN_B, null).status()).isEqualTo(404);
    assertThat(call(HttpMethod.GET, job, TOKEN_A, null).json().getString("status")).isEqualTo("running");
    assertThat(call(HttpMethod.DELETE, job, TOKEN_A, null).json().getString("status")).isEqualTo("cancelled");
  }

  @Test
  @DisplayName("tokens: the 202's events_url carries a signed access parameter that opens that job's stream only")
  void eventSourceAccess() {
    startGateway(Map.of());
    JsonObject a = call(HttpMethod.POST, "/api/generations", TOKEN_A, BODY).json();
    JsonObject b = call(HttpMethod.POST, "/api/generations", TOKEN_B, BODY).json();
    String eventsA = a.getString("events_url");
    assertThat(eventsA).startsWith("/api/generations/" + a.getString("id") + "/events?access=");
    String accessA = eventsA.substring(eventsA.indexOf("access="));

    SseTestClient stream = Await.result(SseTestClient.get(vertx, http, port, eventsA, null));
    assertThat(stream.response().statusCode()).isEqualTo(200);
    FakeExchange upstream = Await.result(fake.exchange(0));
    upstream.streamHead().image(0, "https://tos.example.com/0.jpeg").completed(1).done().end();
    Await.result(stream.ended());
    assertThat(stream.events()).extracting(SseEvent::event).contains("started", "image", "completed");

    String eventsB = "/api/generations/" + b.getString("id") + "/events";
    assertThat(api.get(eventsB + "?" + accessA).status()).as("A's access on B's stream").isEqualTo(401);
    assertThat(api.get(eventsB).status()).isEqualTo(401);
    assertThat(api.get(eventsA.replace("access=", "access=1")).status()).as("tampered").isEqualTo(401);
    assertThat(api.get("/api/generations/" + a.getString("id") + "?" + accessA).status())
      .as("the parameter opens the stream, nothing else").isEqualTo(401);
    JsonObject snapshot = call(HttpMethod.GET, "/api/generations/" + b.getString("id"), TOKEN_B, null).json();
    assertThat(snapshot.getString("events_url")).as("a snapshot hands out a fresh parameter").contains("?access=");
  }

  @Test
  @DisplayName("X8 concurrency per token: over the limit is 429 with Retry-After; another token is unaffected")
  void concurrentJobsPerToken() {
    startGateway(Map.of("SEEDSTREAM_MAX_JOBS_PER_CLIENT", "2"));
    assertThat(call(HttpMethod.POST, "/api/generations", TOKEN_A, BODY).status()).isEqualTo(202);
    assertThat(call(HttpMethod.POST, "/api/generations", TOKEN_A, BODY).status()).isEqualTo(202);
    TestHttp.Response third = call(HttpMethod.POST, "/api/generations", TOKEN_A, BODY);
    assertThat(third.status()).isEqualTo(429);
    assertThat(third.header("Retry-After")).isNotBlank();
    assertThat(third.json().getJsonObject("error").getString("code")).isEqualTo("rate_limited");
    assertThat(call(HttpMethod.POST, "/api/generations", TOKEN_B, BODY).status()).isEqualTo(202);
    Await.result(fake.exchange(2));
    assertThat(fake.requestCount()).as("the refused calls never went upstream").isEqualTo(3);
  }

  @Test
  @DisplayName("X8 images per minute per token: counted at creation, 429 with Retry-After, /v1 included; others unaffected")
  void imagesPerMinute() {
    startGateway(Map.of("SEEDSTREAM_IMAGES_PER_MINUTE_PER_CLIENT", "5"));
    assertThat(call(HttpMethod.POST, "/api/generations", TOKEN_A, BODY).status()).as("4 of 5").isEqualTo(202);
    assertThat(call(HttpMethod.POST, "/api/generations", TOKEN_A, ONE).status()).as("5 of 5").isEqualTo(202);
    TestHttp.Response over = call(HttpMethod.POST, "/api/generations", TOKEN_A, ONE);
    assertThat(over.status()).isEqualTo(429);
    assertThat(over.json().getJsonObject("error").getString("code")).isEqualTo("rate_limited");
    assertThat(Long.parseLong(over.header("Retry-After"))).isBetween(1L, 60L);
    TestHttp.Response v1 = call(HttpMethod.POST, "/v1/images/generations", TOKEN_A, ONE);
    assertThat(v1.status()).isEqualTo(429);
    assertThat(v1.header("Retry-After")).isNotBlank();
    assertThat(v1.json().getJsonObject("error").getString("code")).isEqualTo("RateLimitExceeded");
    assertThat(call(HttpMethod.POST, "/api/generations", TOKEN_B, BODY).status()).isEqualTo(202);
    Await.result(fake.exchange(2));
    assertThat(fake.requestCount()).as("the refused calls never went upstream").isEqualTo(3);
  }
}
