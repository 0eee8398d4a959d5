package dev.seedstream.http;

import dev.seedstream.sse.SseEvent;
import dev.seedstream.support.GatewayTestBase;
import dev.seedstream.support.Await;
import dev.seedstream.support.FakeExchange;
import dev.seedstream.support.SseTestClient;
import dev.seedstream.support.TestGateway;
import dev.seedstream.support.TestHttp;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The live relay end to end: real HTTP from a client through the gateway to a scripted fake upstream. */
@DisplayName("Live relay, end to end")
class GatewayEndToEndTest extends GatewayTestBase {

  static final String BODY = "{\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"four cats\","
    + "\"sequential_image_generation\":\"auto\",\"sequential_image_generation_options\":{\"max_images\":4}}";


  SseTestClient postStream(String body) {
    return Await.result(SseTestClient.open(vertx, http, port, HttpMethod.POST, "/api/generations", null, Buffer.buffer(body)));
  }

  JsonObject data(SseTestClient.Received r) {
    return new JsonObject(r.event().data());
  }

  @Test
  @DisplayName("each image reaches the client before the upstream sends the next")
  void imagesArriveOneByOne() {
    startGateway(Map.of());
    SseTestClient client = postStream(BODY);
    FakeExchange upstream = Await.result(fake.exchange(0));
    assertThat(upstream.headers().get("Authorization")).isEqualTo("Bearer " + TestGateway.CANARY_KEY);
    assertThat(upstream.body().getBoolean("stream")).isTrue();
    assertThat(data(Await.result(client.event(0))).getInteger("requested_images")).isEqualTo(4);

    upstream.streamHead();
    List<Long> latencies = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      long sent = System.nanoTime();
      upstream.image(i, "https://tos.example.com/img" + i + ".jpeg?X-Tos-Expires=86400");
      // The fake only sends image i+1 after the client has seen image i.
      SseTestClient.Received got = Await.result(client.event(i + 1));
      latencies.add(got.atNanos() - sent);
      assertThat(got.event().event()).isEqualTo("image");
      assertThat(got.event().id()).isEqualTo(String.valueOf(i + 2));
      assertThat(data(got).getInteger("index")).isEqualTo(i);
      assertThat(data(got).getString("url")).endsWith("img" + i + ".jpeg?X-Tos-Expires=86400");
    }
    upstream.completed(4).done().end();
    SseEvent completed = Await.result(client.event(5)).event();
    assertThat(completed.event()).isEqualTo("completed");
    assertThat(new JsonObject(completed.data()).getJsonObject("usage").getInteger("generated_images")).isEqualTo(4);
    Await.result(client.ended());
    latencies.sort(Long::compare);
    System.out.printf("relay latency upstream write -> client receive, median %.3f ms, max %.3f ms%n",
      latencies.get(latencies.size() / 2) / 1e6, latencies.get(latencies.size() - 1) / 1e6);
  }

  @Test
  @DisplayName("the stream answers at once with a retry line, and pings while the upstream is quiet")
  void headAtOnceAndHeartbeat() {
    startGateway(Map.of("SEEDSTREAM_HEARTBEAT_MS", "150"));
    SseTestClient client = postStream(BODY);
    assertThat(client.response().statusCode()).isEqualTo(200);
    assertThat(client.response().getHeader("Content-Type")).isEqualTo("text/event-stream; charset=utf-8");
    assertThat(client.response().getHeader("Cache-Control")).isEqualTo("no-cache");
    assertThat(client.response().getHeader("X-Accel-Buffering")).isEqualTo("no");
    Await.result(client.event(0));
    FakeExchange upstream = Await.result(fake.exchange(0));
    Await.result(vertxWhen(() -> client.raw().contains(": ping")));
    assertThat(client.raw()).startsWith("retry: 3000\n\n");
    upstream.streamHead().image(0, "https://tos.example.com/a.jpeg").completed(1).done().end();
    Await.result(client.ended());
  }

  @Test
  @DisplayName("partial_failed is relayed, the other images go on, and completed carries usage")
  void partialFailureIsRelayed() {
    startGateway(Map.of());
    SseTestClient client = postStream(BODY);
    FakeExchange upstream = Await.result(fake.exchange(0));
    upstream.streamHead().image(0, "https://tos.example.com/0.jpeg")
      .imageFailed(1, "OutputImageSensitiveContentDetected", "The request failed because the output image may contain sensitive information.")
      .image(2, "https://tos.example.com/2.jpeg").completed(2).done().end();
    Await.result(client.ended());
    List<SseEvent> events = client.events();
    assertThat(events).extracting(SseEvent::event)
      .containsExactly("started", "image", "image_failed", "image", "completed");
    JsonObject failed = new JsonObject(events.get(2).data());
    assertThat(failed.getInteger("index")).isEqualTo(1);
    assertThat(failed.getJsonObject("error").getString("code")).isEqualTo("OutputImageSensitiveContentDetected");
    JsonObject done = new JsonObject(events.get(4).data());
    assertThat(done.getInteger("generated_images")).isEqualTo(2);
    assertThat(done.getInteger("failed_images")).isEqualTo(1);
    assertThat(done.getJsonObject("usage").getLong("output_tokens")).isEqualTo(32768);
    String metrics = api.get("/metrics").body().toString();
    assertThat(metrics).contains("seedstream_jobs_started_total 1.0", "seedstream_jobs_completed_total 1.0",
      "seedstream_images_delivered_total 2.0", "seedstream_images_failed_total 1.0",
      "seedstream_upstream_responses_total{status=\"200\"} 1.0", "seedstream_upstream_first_image_seconds_count 1",
      "seedstream_upstream_between_images_seconds_count 1", "seedstream_jobs_active 0.0");
  }

  @Test
  @DisplayName("202 + Location, then EventSource-style GET; a replay with Last-Event-ID makes no second upstream call")
  void replayWithLastEventId() {
    startGateway(Map.of());
    TestHttp.Response accepted = api.post("/api/generations", BODY);
    assertThat(accepted.status()).isEqualTo(202);
    JsonObject body = accepted.json();
    String events = body.getString("events_url");
    assertThat(accepted.header("Location")).isEqualTo("/api/generations/" + body.getString("id"));
    assertThat(body.getString("id")).matches("[A-Za-z0-9_-]{22}");

    SseTestClient first = Await.result(SseTestClient.get(vertx, http, port, events, null));
    FakeExchange upstream = Await.result(fake.exchange(0));
    upstream.streamHead().image(0, "https://tos.example.com/0.jpeg");
    Await.result(first.event(1));
    first.close();
    upstream.image(1, "https://tos.example.com/1.jpeg");

    SseTestClient again = Await.result(SseTestClient.get(vertx, http, port, events, "2"));
    SseTestClient.Received replayed = Await.result(again.event(0));
    assertThat(replayed.event().id()).isEqualTo("3");
    assertThat(data(replayed).getInteger("index")).isEqualTo(1);
    upstream.completed(2).done().end();
    Await.result(again.ended());
    assertThat(again.events()).extracting(SseEvent::event).containsExactly("image", "completed");

    SseTestClient whole = Await.result(SseTestClient.get(vertx, http, port, events, null));
    Await.result(whole.ended());
    assertThat(whole.events()).extracting(SseEvent::event).containsExactly("started", "image", "image", "completed");
    // The job's JSON lists each image exactly as its event showed it (read back from the event's frame).
    JsonArray listed = api.get("/api/generations/" + body.getString("id")).json().getJsonArray("images");
    assertThat(listed).hasSize(2);
    for (int i = 0; i < 2; i++) {
      JsonObject shown = new JsonObject(whole.events().get(i + 1).data());
      assertThat(shown.fieldNames()).containsExactly("index", "url", "size", "elapsed_ms");
      assertThat(listed.getJsonObject(i).encode()).isEqualTo(shown.encode());
    }
    TestHttp.Response finished = Await.result(api.call(HttpMethod.GET, events,
      io.vertx.core.MultiMap.caseInsensitiveMultiMap().add("Last-Event-ID", "4"), null));
    assertThat(finished.status()).as("a finished job tells EventSource to stop").isEqualTo(204);
    assertThat(fake.requestCount()).isEqualTo(1);
  }

  @Test
  @DisplayName("a Last-Event-ID ahead of a running job gets only later ids, then live; one past its end gets the end")
  void lastEventIdAheadOfARunningJob() {
    startGateway(Map.of());
    String events = api.post("/api/generations", BODY).json().getString("events_url");
    SseTestClient first = Await.result(SseTestClient.get(vertx, http, port, events, null));
    FakeExchange upstream = Await.result(fake.exchange(0));
    upstream.streamHead().image(0, "https://tos.example.com/0.jpeg");
    Await.result(first.event(1));

    SseTestClient ahead = Await.result(SseTestClient.get(vertx, http, port, events, "4"));
    SseTestClient pastTheEnd = Await.result(SseTestClient.get(vertx, http, port, events, "9"));
    upstream.image(1, "https://tos.example.com/1.jpeg").image(2, "https://tos.example.com/2.jpeg");
    Await.result(first.event(3));
    upstream.image(3, "https://tos.example.com/3.jpeg");
    SseTestClient.Received next = Await.result(ahead.event(0));
    assertThat(next.event().id()).isEqualTo("5");
    assertThat(data(next).getInteger("index")).isEqualTo(3);
    upstream.completed(4).done().end();
    Await.result(ahead.ended());
    assertThat(ahead.events()).extracting(SseEvent::id).containsExactly("5", "6");
    assertThat(ahead.events()).extracting(SseEvent::event).containsExactly("image", "completed");
    Await.result(pastTheEnd.ended());
    assertThat(pastTheEnd.events()).as("nothing after id 9 ever came; the stream still ends with the job").isEmpty();
  }

  @Test
  @DisplayName("DELETE aborts the upstream connection within a second and ends the stream with cancelled")
  void deleteAbortsUpstream() {
    startGateway(Map.of());
    SseTestClient client = postStream(BODY);
    String id = data(Await.result(client.event(0))).getString("id");
    FakeExchange upstream = Await.result(fake.exchange(0));
    upstream.streamHead().image(0, "https://tos.example.com/0.jpeg");
    Await.result(client.event(1));
    long before = System.nanoTime();
    assertThat(api.delete("/api/generations/" + id).status()).isEqualTo(200);
    long closedAt = Await.result(upstream.closed(), 1000);
    System.out.printf("DELETE -> upstream connection closed: %.3f ms%n", (closedAt - before) / 1e6);
    Await.result(client.ended());
    assertThat(client.events()).extracting(SseEvent::event).containsExactly("started", "image", "cancelled");
  }

  @Test
  @DisplayName("the last listener leaving aborts the upstream after the abandon time")
  void abandonedJobIsCancelledUpstream() {
    startGateway(Map.of("SEEDSTREAM_ABANDON_MS", "200"));
    SseTestClient client = postStream(BODY);
    String id = data(Await.result(client.event(0))).getString("id");
    FakeExchange upstream = Await.result(fake.exchange(0));
    client.close();
    long closedAt = Await.result(upstream.closed(), 3000);
    assertThat(closedAt).isPositive();
    JsonObject snapshot = api.get("/api/generations/" + id).json();
    assertThat(snapshot.getString("status")).isEqualTo("cancelled");
    assertThat(snapshot.getJsonObject("cancellation").getString("reason")).isEqualTo("abandoned");
  }

  @Test
  @DisplayName("100 concurrent jobs all reach the upstream within a second")
  void hundredConcurrentJobs() {
    startGateway(Map.of("SEEDSTREAM_MAX_JOBS_PER_CLIENT", "200"));
    long start = System.nanoTime();
    List<Future<TestHttp.Response>> posts = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      posts.add(api.call(HttpMethod.POST, "/api/generations", null, BODY));
    }
    for (Future<TestHttp.Response> post : posts) {
      assertThat(Await.result(post).status()).isEqualTo(202);
    }
    long accepted = System.nanoTime();
    // With Vert.x's default pool of 5 the sixth call would wait forever: the fake never finishes any.
    Await.result(fake.exchange(99), 5000);
    long afterAcceptedMs = (System.nanoTime() - accepted) / 1_000_000;
    long elapsedMs = (System.nanoTime() - start) / 1_000_000;
    System.out.println("100 jobs: all reached the fake upstream " + elapsedMs + " ms after the first POST, "
      + afterAcceptedMs + " ms after the last 202");
    assertThat(afterAcceptedMs).isLessThan(1000);
  }

  @Test
  @DisplayName("an invalid request is answered 400 and costs no upstream call")
  void invalidRequestCostsNothing() {
    startGateway(Map.of());
    TestHttp.Response response = api.post("/api/generations", "{\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"\",\"colour\":1}");
    assertThat(response.status()).isEqualTo(400);
    JsonObject error = response.json().getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("invalid_request");
    assertThat(error.getJsonArray("violations").size()).isGreaterThanOrEqualTo(2);
    assertThat(fake.requestCount()).isZero();
  }

  @Test
  @DisplayName("over the running-job limit the gateway answers 503 overloaded with Retry-After")
  void overloaded() {
    startGateway(Map.of("SEEDSTREAM_MAX_ACTIVE_JOBS", "1"));
    postStream(BODY);
    Await.result(fake.exchange(0));
    TestHttp.Response response = api.post("/api/generations", BODY);
    assertThat(response.status()).isEqualTo(503);
    assertThat(response.header("Retry-After")).isEqualTo("5");
    assertThat(response.json().getJsonObject("error").getString("code")).isEqualTo("overloaded");
    assertThat(fake.requestCount()).isEqualTo(1);
  }

  @Test
  @DisplayName("unknown jobs are 404 in the contract's error shape")
  void unknownJob() {
    startGateway(Map.of());
    TestHttp.Response response = api.get("/api/generations/nope/events");
    assertThat(response.status()).isEqualTo(404);
    assertThat(response.json().getJsonObject("error").getString("code")).isEqualTo("not_found");
  }

  /** Polls a condition on the event loop's timer, so the test waits on the event, not a fixed sleep. */
  Future<Void> vertxWhen(java.util.function.BooleanSupplier condition) {
    io.vertx.core.Promise<Void> promise = io.vertx.core.Promise.promise();
    vertx.setPeriodic(10, id -> {
      if (condition.getAsBoolean()) {
        vertx.cancelTimer(id);
        promise.tryComplete();
      }
    });
    return promise.future();
  }
}
