package dev.seedstream.http;

import dev.seedstream.sse.SseEvent;
import dev.seedstream.support.Await;
import dev.seedstream.support.FakeExchange;
import dev.seedstream.support.FakeUpstream;
import dev.seedstream.support.GatewayTestBase;
import dev.seedstream.support.SseTestClient;
import dev.seedstream.support.TestHttp;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 27: a pool of upstreams on loopback. A call moves to another upstream only while nothing can have been
 * billed, a 429 cools one upstream down, a breaker opens and half-opens, and a key rotates under a running stream.
 */
@DisplayName("A pool of upstreams with failover")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UpstreamPoolTest extends GatewayTestBase {

  static final String BODY = "{\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"a fox\"}";
  static final String KEY_A = "sk-pool-key-aaaaaaaaaaaaaaaaaaaa";
  static final String KEY_B = "sk-pool-key-bbbbbbbbbbbbbbbbbbbb";
  static final String KEY_B2 = "sk-pool-key-rotated-cccccccccccc";
  static final String ARK_500 = "{\"error\":{\"code\":\"InternalServiceError\",\"message\":\"internal error\"}}";
  static final String ARK_429 = "{\"error\":{\"code\":\"ModelAccountIpmRateLimitExceeded\",\"message\":\"IPM\"}}";

  @TempDir
  Path dir;

  static JsonObject upstream(String name, String url, String keyEnv, int priority) {
    return new JsonObject().put("name", name).put("url", url).put("key_env", keyEnv).put("priority", priority);
  }

  static String pool(JsonObject... upstreams) {
    return new JsonObject().put("upstreams", new JsonArray(List.of((Object[]) upstreams))).encode();
  }

  /** The gateway with a pool; the single-upstream URL points nowhere, so only the pool can serve. */
  void startPool(String pool, Map<String, String> more) {
    Map<String, String> env = new HashMap<>(more);
    env.put("SEEDSTREAM_UPSTREAMS", pool);
    env.put("KEY_A", KEY_A);
    env.put("KEY_B", KEY_B);
    env.put("KEY_C", KEY_B2);
    startGateway("http://127.0.0.1:9/unused", env);
  }

  String refusingUrl() {
    FakeUpstream closed = Await.result(FakeUpstream.start(vertx));
    String url = closed.url();
    Await.result(closed.close());
    return url;
  }

  SseTestClient stream() {
    return Await.result(SseTestClient.open(vertx, http, port, HttpMethod.POST, "/api/generations", null, Buffer.buffer(BODY)));
  }

  static void serve(FakeExchange exchange) {
    exchange.streamHead().image(0, "https://tos.example.com/0.jpeg").completed(1).done().end();
  }

  static JsonObject data(SseEvent event) {
    return new JsonObject(event.data());
  }

  String metrics() {
    return api.get("/metrics").body().toString();
  }

  /** Completes once {@code check} holds for the gateway's answer to {@code path}, asking again each 20 ms. */
  Future<Void> until(String path, Predicate<String> check) {
    Promise<Void> met = Promise.promise();
    vertx.setPeriodic(20, id -> api.call(HttpMethod.GET, path, null, null).onSuccess(response -> {
      if (check.test(response.body().toString())) {
        vertx.cancelTimer(id);
        met.tryComplete();
      }
    }));
    return met.future();
  }

  @Test
  @DisplayName("the first upstream refuses the connection: the second serves, one billed call, and the job names it")
  void refusedThenSecondServes() {
    FakeUpstream second = fake;
    startPool(pool(upstream("first", refusingUrl(), "KEY_A", 0), upstream("second", second.url(), "KEY_B", 1)), Map.of());
    second.autoScript(UpstreamPoolTest::serve);

    long sent = System.nanoTime();
    SseTestClient client = stream();
    FakeExchange served = Await.result(second.exchange(0));
    long failoverMs = (System.nanoTime() - sent) / 1_000_000;
    Await.result(client.ended());

    assertThat(client.events()).extracting(SseEvent::event).containsExactly("started", "image", "completed");
    assertThat(data(client.events().get(0)).getString("upstream")).isEqualTo("first");
    assertThat(served.headers().get("Authorization")).isEqualTo("Bearer " + KEY_B);
    assertThat(second.requestCount()).isEqualTo(1);
    JsonObject job = api.get("/api/generations/" + data(client.events().get(0)).getString("id")).json();
    assertThat(job.getString("upstream")).isEqualTo("second");
    assertThat(job.encode()).doesNotContain(KEY_A).doesNotContain(KEY_B);
    String metrics = metrics();
    assertThat(metrics).contains("seedstream_upstream_failovers_total{from=\"first\",to=\"second\"} 1.0")
      .contains("seedstream_upstream_errors_total{code=\"upstream_unavailable\",upstream=\"first\"} 1.0")
      .contains("seedstream_upstream_requests_total{upstream=\"second\"} 1.0")
      .contains("seedstream_upstream_breaker_state{upstream=\"first\"} 0.0")
      .contains("seedstream_upstream_first_image_by_upstream_seconds_count{upstream=\"second\"} 1")
      .doesNotContain(KEY_A).doesNotContain(KEY_B);
    System.out.println("[measured] failover, first upstream refuses connections: POST to the second upstream's request in "
      + failoverMs + " ms");
  }

  @Test
  @DisplayName("the first upstream accepts but never answers: after the first-event deadline the second serves")
  void silentFirstThenSecondServes() {
    FakeUpstream first = fake;
    FakeUpstream second = Await.result(FakeUpstream.start(vertx));
    startPool(pool(upstream("first", first.url(), "KEY_A", 0), upstream("second", second.url(), "KEY_B", 1)),
      Map.of("SEEDSTREAM_FIRST_EVENT_TIMEOUT_MS", "500"));
    second.autoScript(UpstreamPoolTest::serve);

    long sent = System.nanoTime();
    SseTestClient client = stream();
    FakeExchange silent = Await.result(first.exchange(0));
    Await.result(second.exchange(0));
    long failoverMs = (System.nanoTime() - sent) / 1_000_000;
    Await.result(client.ended());

    assertThat(client.events()).extracting(SseEvent::event).containsExactly("started", "image", "completed");
    Await.result(silent.closed(), 2000);
    assertThat(failoverMs).isGreaterThanOrEqualTo(500);
    assertThat(metrics()).contains("seedstream_upstream_errors_total{code=\"upstream_timeout\",upstream=\"first\"} 1.0");
    System.out.println("[measured] failover, first upstream accepts and never answers (first-event timeout 500 ms): "
      + "POST to the second upstream's request in " + failoverMs + " ms");
  }

  @Test
  @DisplayName("three upstreams: refused, then 503, then the third serves; the first two billed nothing")
  void threeUpstreams() {
    FakeUpstream second = fake;
    FakeUpstream third = Await.result(FakeUpstream.start(vertx));
    startPool(pool(upstream("first", refusingUrl(), "KEY_A", 0), upstream("second", second.url(), "KEY_B", 1),
      upstream("third", third.url(), "KEY_C", 2)), Map.of());
    second.autoScript(exchange -> exchange.error(503, ARK_500, null));
    third.autoScript(UpstreamPoolTest::serve);

    SseTestClient client = stream();
    Await.result(client.ended());

    assertThat(client.events()).extracting(SseEvent::event).containsExactly("started", "image", "completed");
    assertThat(second.requestCount()).isEqualTo(1);
    assertThat(third.requestCount()).isEqualTo(1);
    assertThat(Await.result(third.exchange(0)).headers().get("Authorization")).isEqualTo("Bearer " + KEY_B2);
  }

  @Test
  @DisplayName("an image, then the first upstream dies: no failover (it may bill), the job ends as it did before pools")
  void noFailoverAfterAnEvent() {
    FakeUpstream first = fake;
    FakeUpstream second = Await.result(FakeUpstream.start(vertx));
    startPool(pool(upstream("first", first.url(), "KEY_A", 0), upstream("second", second.url(), "KEY_B", 1)), Map.of());

    SseTestClient client = stream();
    FakeExchange upstream = Await.result(first.exchange(0));
    upstream.streamHead().image(0, "https://tos.example.com/0.jpeg");
    Await.result(client.event(1));
    upstream.reset();
    Await.result(client.ended());

    assertThat(client.events()).extracting(SseEvent::event).containsExactly("started", "image", "error");
    assertThat(data(client.events().get(2)).getString("code")).isIn("upstream_truncated", "upstream_unavailable");
    assertThat(second.requestCount()).isZero();
  }

  @Test
  @DisplayName("an upstream 400 is the request's fault: never retried elsewhere")
  void badRequestNotRetriedElsewhere() {
    FakeUpstream first = fake;
    FakeUpstream second = Await.result(FakeUpstream.start(vertx));
    startPool(pool(upstream("first", first.url(), "KEY_A", 0), upstream("second", second.url(), "KEY_B", 1)), Map.of());
    first.autoScript(exchange -> exchange.error(400, "{\"error\":{\"code\":\"InvalidParameter\",\"message\":\"no\"}}", null));

    SseTestClient client = stream();
    Await.result(client.ended());

    assertThat(data(client.events().get(client.events().size() - 1)).getString("code")).isEqualTo("upstream_rejected");
    assertThat(second.requestCount()).isZero();
  }

  @Test
  @DisplayName("a 429 with Retry-After cools that upstream down: this job and the next go to the other one")
  void rateLimitCoolsDown() {
    FakeUpstream first = fake;
    FakeUpstream second = Await.result(FakeUpstream.start(vertx));
    startPool(pool(upstream("first", first.url(), "KEY_A", 0), upstream("second", second.url(), "KEY_B", 1)), Map.of());
    first.autoScript(exchange -> exchange.error(429, ARK_429, "60"));
    second.autoScript(UpstreamPoolTest::serve);

    for (int job = 0; job < 2; job++) {
      SseTestClient client = stream();
      Await.result(client.ended());
      assertThat(client.events()).extracting(SseEvent::event).containsExactly("started", "image", "completed");
    }

    assertThat(first.requestCount()).as("cooling down: the second job went straight to the other").isEqualTo(1);
    assertThat(second.requestCount()).isEqualTo(2);
    assertThat(metrics()).contains("seedstream_upstream_errors_total{code=\"upstream_rate_limited\",upstream=\"first\"} 1.0");
  }

  @Test
  @DisplayName("a breaker opens after failures in a row, keeps calls away, half-opens after its cool-down, and a good trial closes it")
  void breakerOpensAndHalfOpens() {
    FakeUpstream first = fake;
    FakeUpstream second = Await.result(FakeUpstream.start(vertx));
    startPool(pool(upstream("first", first.url(), "KEY_A", 0), upstream("second", second.url(), "KEY_B", 1)),
      Map.of("SEEDSTREAM_UPSTREAM_BREAKER_FAILURES", "2", "SEEDSTREAM_UPSTREAM_BREAKER_COOLDOWN_MS", "400"));
    first.autoScript(exchange -> exchange.error(500, ARK_500, null));
    second.autoScript(UpstreamPoolTest::serve);

    for (int job = 0; job < 2; job++) {
      SseTestClient client = stream();
      Await.result(client.ended());
      assertThat(client.events()).extracting(SseEvent::event).containsExactly("started", "image", "completed");
    }
    assertThat(api.get("/readyz").json().getJsonObject("upstreams").getString("first")).isEqualTo("open");
    assertThat(api.get("/readyz").status()).as("the second is still closed").isEqualTo(200);
    assertThat(metrics()).contains("seedstream_upstream_breaker_state{upstream=\"first\"} 2.0");

    SseTestClient whileOpen = stream();
    Await.result(whileOpen.ended());
    assertThat(first.requestCount()).as("open: no call goes to it").isEqualTo(2);

    Await.result(until("/readyz", body -> body.contains("\"first\":\"half_open\"")));
    first.autoScript(UpstreamPoolTest::serve);
    SseTestClient trial = stream();
    Await.result(trial.ended());
    assertThat(first.requestCount()).as("half-open: one trial call").isEqualTo(3);
    assertThat(api.get("/readyz").json().getJsonObject("upstreams").getString("first")).isEqualTo("closed");
  }

  @Test
  @DisplayName("/readyz: unready while every breaker is open, ready again once one half-opens")
  void readyWhileABreakerLetsCallsThrough() {
    startGateway(fake.url(), Map.of("SEEDSTREAM_UPSTREAM_BREAKER_FAILURES", "1", "SEEDSTREAM_UPSTREAM_BREAKER_COOLDOWN_MS", "400",
      "SEEDSTREAM_UPSTREAM_RETRIES", "0"));
    fake.autoScript(exchange -> exchange.error(500, ARK_500, null));
    assertThat(api.get("/readyz").status()).isEqualTo(200);

    SseTestClient client = stream();
    Await.result(client.ended());
    TestHttp.Response unready = api.get("/readyz");
    assertThat(unready.status()).isEqualTo(503);
    assertThat(unready.json().getJsonObject("upstreams").getString("default")).isEqualTo("open");

    SseTestClient refused = stream();
    Await.result(refused.ended());
    JsonObject error = data(refused.events().get(refused.events().size() - 1));
    assertThat(error.getString("code")).isEqualTo("upstream_unavailable");
    assertThat(error.getLong("retry_after")).isEqualTo(1L);
    assertThat(fake.requestCount()).as("an open breaker fails fast").isEqualTo(1);

    Await.result(until("/readyz", body -> body.contains("\"default\":\"half_open\"")));
    assertThat(api.get("/readyz").status()).isEqualTo(200);
  }

  @Test
  @DisplayName("a key rotated by reload (what SIGHUP calls) while a stream runs: it finishes on the old key, new jobs use the new")
  void keyRotatedWhileAStreamRuns() {
    startPool(pool(upstream("only", fake.url(), "KEY_A", 0)), Map.of());
    SseTestClient running = stream();
    FakeExchange old = Await.result(fake.exchange(0));
    old.streamHead().image(0, "https://tos.example.com/0.jpeg");
    Await.result(running.event(1));

    Map<String, String> rotated = new HashMap<>(Map.of("KEY_A", KEY_B2));
    Await.result(gateway.reloadUpstreams(rotated));

    old.image(1, "https://tos.example.com/1.jpeg").completed(2).done().end();
    Await.result(running.ended());
    assertThat(running.events()).extracting(SseEvent::event).containsExactly("started", "image", "image", "completed");
    assertThat(old.headers().get("Authorization")).isEqualTo("Bearer " + KEY_A);

    fake.autoScript(UpstreamPoolTest::serve);
    SseTestClient next = stream();
    Await.result(next.ended());
    assertThat(Await.result(fake.exchange(1)).headers().get("Authorization")).isEqualTo("Bearer " + KEY_B2);
    assertThat(metrics()).contains("seedstream_upstream_pool_reloads_total 1.0");
  }

  @Test
  @DisplayName("a pool that no longer reads on reload (its key variable unset) keeps the current one")
  void badReloadKeepsThePool() {
    startPool(pool(upstream("only", fake.url(), "KEY_A", 0)), Map.of());
    Throwable failure = Await.result(gateway.reloadUpstreams(Map.of()).map(v -> (Throwable) null).otherwise(e -> e));
    assertThat(failure).hasMessageContaining("KEY_A");
    fake.autoScript(UpstreamPoolTest::serve);
    SseTestClient client = stream();
    Await.result(client.ended());
    assertThat(Await.result(fake.exchange(0)).headers().get("Authorization")).isEqualTo("Bearer " + KEY_A);
  }

  @Test
  @DisplayName("a key file rewritten in place is picked up without a signal; the pool file's edits too")
  void keyFileWatched() throws Exception {
    Path key = dir.resolve("key");
    Files.writeString(key, KEY_A + "\n");
    Path file = dir.resolve("upstreams.json");
    Files.writeString(file, new JsonObject().put("upstreams", new JsonArray().add(new JsonObject().put("name", "only")
      .put("url", fake.url()).put("key_file", key.toString()))).encode());
    startPool(file.toString(), Map.of());
    fake.autoScript(UpstreamPoolTest::serve);

    Files.writeString(key, KEY_B2);
    Await.result(until("/metrics", body -> body.contains("seedstream_upstream_pool_reloads_total 1.0")), 10_000);
    SseTestClient client = stream();
    Await.result(client.ended());
    assertThat(Await.result(fake.exchange(0)).headers().get("Authorization")).isEqualTo("Bearer " + KEY_B2);
  }

  @Test
  @DisplayName("the gateway's own limits for an upstream: over max_concurrency or images_per_minute, calls go to the next")
  void ownLimitsSteerCalls() {
    FakeUpstream first = fake;
    FakeUpstream second = Await.result(FakeUpstream.start(vertx));
    FakeUpstream third = Await.result(FakeUpstream.start(vertx));
    startPool(pool(upstream("first", first.url(), "KEY_A", 0).put("max_concurrency", 1),
      upstream("second", second.url(), "KEY_B", 1).put("images_per_minute", 1), upstream("third", third.url(), "KEY_C", 2)), Map.of());
    second.autoScript(UpstreamPoolTest::serve);
    third.autoScript(UpstreamPoolTest::serve);

    SseTestClient holding = stream();
    FakeExchange held = Await.result(first.exchange(0));
    SseTestClient next = stream();
    Await.result(next.ended());
    SseTestClient last = stream();
    Await.result(last.ended());
    serve(held);
    Await.result(holding.ended());

    assertThat(first.requestCount()).isEqualTo(1);
    assertThat(second.requestCount()).as("its one image a minute went to the second job").isEqualTo(1);
    assertThat(third.requestCount()).isEqualTo(1);
    assertThat(last.events()).extracting(SseEvent::event).containsExactly("started", "image", "completed");
  }
}
