package dev.seedstream.cluster;

import dev.seedstream.support.Await;
import dev.seedstream.support.FakeExchange;
import dev.seedstream.support.FakeUpstream;
import dev.seedstream.support.GatewayProcess;
import dev.seedstream.support.SseTestClient;
import dev.seedstream.support.TestCluster;
import dev.seedstream.support.TestHttp;
import dev.seedstream.support.TestImages;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Gateways as a cluster: real child processes joined over loopback with Hazelcast, one fake upstream. A node
 * that dies is killed for real ({@code kill -9}); a node cut off is frozen for real ({@code SIGSTOP}).
 */
@DisplayName("Cluster: any node serves any job; a node can die without losing what was delivered")
class ClusterTest {

  private static final String ALICE = "Bearer alice-token-0123456789abcdef";
  private static final String BOB = "Bearer bob-token-0123456789abcdefgh";
  private static final String TOKENS = "alice:alice-token-0123456789abcdef,bob:bob-token-0123456789abcdefgh";
  private static final String GROUP = "{\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"a fox, then a hare\","
    + "\"sequential_image_generation\":\"auto\",\"sequential_image_generation_options\":{\"max_images\":3}";

  private Vertx vertx;
  private HttpClient http;
  private FakeUpstream fake;
  private TestCluster cluster;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    http = vertx.createHttpClient(new io.vertx.core.http.PoolOptions().setHttp1MaxSize(64));
    fake = Await.result(FakeUpstream.start(vertx));
  }

  @AfterEach
  void tearDown(org.junit.jupiter.api.TestInfo test) throws Exception {
    if (cluster != null && System.getProperty("seedstream.cluster.logs") != null) {
      System.out.println("===== " + test.getDisplayName() + "\n" + cluster.logs());
    }
    if (cluster != null) {
      cluster.close();
    }
    vertx.close();
  }

  private void startCluster(int size, int running, Map<String, String> env) throws Exception {
    cluster = new TestCluster(vertx, http, fake, size, env);
    for (int i = 0; i < running; i++) {
      cluster.startNode(i);
    }
    for (int i = 0; i < running; i++) {
      cluster.awaitMembers(i, running, Duration.ofSeconds(30));
    }
  }

  private static MultiMap auth(String token) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("Content-Type", "application/json");
    return token == null ? headers : headers.add("Authorization", token);
  }

  private JsonObject post(int node, String token, String body, String idempotencyKey) {
    MultiMap headers = auth(token);
    if (idempotencyKey != null) {
      headers.add("Idempotency-Key", idempotencyKey);
    }
    TestHttp.Response created = Await.result(cluster.api(node).call(HttpMethod.POST, "/api/generations", headers, body));
    assertThat(created.status()).as(created.body().toString()).isEqualTo(202);
    return created.json();
  }

  private SseTestClient listen(int node, String token, String id, String lastEventId) {
    MultiMap headers = auth(token);
    if (lastEventId != null) {
      headers.add("Last-Event-ID", lastEventId);
    }
    return Await.result(SseTestClient.open(vertx, http, cluster.node(node).port(), HttpMethod.GET,
      "/api/generations/" + id + "/events", headers, null));
  }

  private static void inlineImage(FakeExchange exchange, int index, String b64) {
    exchange.event("image_generation.partial_succeeded", new JsonObject().put("model", "doubao-seedream-4-5-251128")
      .put("created", 1757396757).put("image_index", index).put("b64_json", b64).put("size", "2048x2048"));
  }

  @Test
  @DisplayName("a job started on A is streamed, resumed, inspected and cancelled on B, with the same bytes; signed URLs and ownership hold across nodes")
  void anyNodeServesAnyJob() throws Exception {
    startCluster(2, 2, Map.of("SEEDSTREAM_TOKENS", TOKENS));
    JsonObject created = post(0, ALICE, GROUP + "}", null);
    String id = created.getString("id");
    // The 202 comes once the cluster has the job's record: another node knows it at once.
    assertThat(Await.result(cluster.api(1).call(HttpMethod.GET, "/api/generations/" + id, auth(ALICE), null)).status())
      .isEqualTo(200);
    FakeExchange upstream = Await.result(fake.exchange(0));
    upstream.streamHead().image(0, "https://ark.example.com/0.jpeg");

    SseTestClient onA = listen(0, ALICE, id, null);
    SseTestClient onB = listen(1, ALICE, id, null);
    // The signed events_url from A opens the stream on B without any token: both nodes share the signing key.
    String signed = created.getString("events_url");
    assertThat(signed).contains("access=");
    SseTestClient bySignedUrl = Await.result(SseTestClient.open(vertx, http, cluster.node(1).port(), HttpMethod.GET,
      signed, null, null));
    for (SseTestClient client : List.of(onA, onB, bySignedUrl)) {
      assertThat(Await.result(client.event(1)).event().event()).isEqualTo("image");
    }
    // Another client's job is unknown on every node.
    assertThat(Await.result(cluster.api(1).call(HttpMethod.GET, "/api/generations/" + id, auth(BOB), null)).status()).isEqualTo(404);

    upstream.image(1, "https://ark.example.com/1.jpeg").completed(2).done().end();
    for (SseTestClient client : List.of(onA, onB, bySignedUrl)) {
      Await.result(client.ended());
    }
    assertSameBytes(onB.raw(), onA.raw(), "B relays the same bytes as the owner");
    assertThat(onB.events()).extracting(e -> e.id() + ":" + e.event())
      .containsExactly("1:started", "2:image", "3:image", "4:completed");

    SseTestClient resumed = listen(1, ALICE, id, "2");
    Await.result(resumed.ended());
    assertThat(resumed.events()).extracting(e -> e.id() + ":" + e.event()).containsExactly("3:image", "4:completed");
    assertThat(Await.result(cluster.api(1).call(HttpMethod.GET, "/api/generations/" + id + "/events",
      auth(ALICE).add("Last-Event-ID", "4"), null)).status()).as("nothing left: 204 stops EventSource").isEqualTo(204);

    JsonObject snapshot = Await.result(cluster.api(1).call(HttpMethod.GET, "/api/generations/" + id, auth(ALICE), null)).json();
    assertThat(snapshot.getString("status")).isEqualTo("completed");
    assertThat(snapshot.getLong("last_event_id")).isEqualTo(4);
    assertThat(snapshot.getJsonArray("images")).hasSize(2);

    // DELETE on B aborts the owner's upstream call within a second.
    String second = post(0, ALICE, GROUP + "}", null).getString("id");
    FakeExchange running = Await.result(fake.exchange(1));
    running.streamHead().image(0, "https://ark.example.com/a.jpeg");
    SseTestClient watching = listen(1, ALICE, second, null);
    Await.result(watching.event(1));
    long start = System.nanoTime();
    TestHttp.Response cancelled = Await.result(cluster.api(1).call(HttpMethod.DELETE, "/api/generations/" + second, auth(ALICE), null));
    Await.result(running.closed());
    long ms = (System.nanoTime() - start) / 1_000_000;
    System.out.println("DELETE on B -> owner's upstream call closed: " + ms + " ms");
    assertThat(cancelled.status()).isEqualTo(200);
    assertThat(cancelled.json().getString("status")).isEqualTo("cancelled");
    assertThat(ms).as("cancel from another node reaches the upstream within 1 s").isLessThan(1000);
    Await.result(watching.ended());
    assertThat(watching.events().get(watching.events().size() - 1).event()).isEqualTo("cancelled");
  }

  @Test
  @DisplayName("an Idempotency-Key retried on another node gets the same job and no second upstream call; per-client limits count across nodes")
  void rulesHoldAcrossNodes() throws Exception {
    startCluster(2, 2, Map.of("SEEDSTREAM_TOKENS", TOKENS, "SEEDSTREAM_MAX_JOBS_PER_CLIENT", "1"));
    String id = post(0, ALICE, GROUP + "}", "order-42").getString("id");
    FakeExchange upstream = Await.result(fake.exchange(0));
    upstream.streamHead();
    JsonObject again = post(1, ALICE, GROUP + "}", "order-42");
    assertThat(again.getString("id")).as("the same key on B is the same job").isEqualTo(id);
    TestHttp.Response otherRequest = Await.result(cluster.api(1).call(HttpMethod.POST, "/api/generations",
      auth(ALICE).add("Idempotency-Key", "order-42"), GROUP + ",\"watermark\":false}"));
    assertThat(otherRequest.status()).isEqualTo(422);
    assertThat(otherRequest.json().getJsonObject("error").getString("code")).isEqualTo("idempotency_key_reused");

    TestHttp.Response overLimit = Await.result(cluster.api(1).call(HttpMethod.POST, "/api/generations", auth(ALICE), GROUP + "}"));
    assertThat(overLimit.status()).as("Alice already runs her one job, on A").isEqualTo(429);
    assertThat(overLimit.json().getJsonObject("error").getString("code")).isEqualTo("rate_limited");
    assertThat(overLimit.header("Retry-After")).isNotNull();
    assertThat(post(1, BOB, GROUP + "}", null).getString("id")).as("Bob has his own limit").isNotEqualTo(id);
    FakeExchange bobs = Await.result(fake.exchange(1));
    assertThat(fake.requestCount()).as("one upstream call for Alice's key, one for Bob").isEqualTo(2);

    String metrics = Await.result(cluster.api(1).call(HttpMethod.GET, "/metrics", auth(ALICE), null)).body().toString();
    assertThat(metrics).contains("seedstream_cluster_members 2.0").contains("seedstream_cluster_jobs_active");

    upstream.completed(0).done().end();
    bobs.streamHead().completed(0).done().end();
    // Once her job is over, on any node, Alice may start another on B.
    long deadline = System.nanoTime() + 10_000_000_000L;
    TestHttp.Response next;
    do {
      next = Await.result(cluster.api(1).call(HttpMethod.POST, "/api/generations", auth(ALICE), GROUP + "}"));
    } while (next.status() == 429 && System.nanoTime() < deadline && sleep(50));
    assertThat(next.status()).isEqualTo(202);
  }

  @Test
  @DisplayName("a member started with another secret is kept out: it forms a cluster of its own")
  void foreignSecretIsKeptOut() throws Exception {
    startCluster(2, 1, Map.of());
    int foreignPort = GatewayProcess.freePort();
    try (GatewayProcess foreign = GatewayProcess.start("foreign", Map.of("SEEDSTREAM_CLUSTER", "true",
      "SEEDSTREAM_CLUSTER_SECRET", "another-secret-0123456789abcdefghijkl", "SEEDSTREAM_SIMULATE", "true",
      "SEEDSTREAM_CLUSTER_PORT", Integer.toString(foreignPort),
      "SEEDSTREAM_CLUSTER_MEMBERS", "127.0.0.1:" + foreignPort + "," + memberAddressOf(0)))) {
      foreign.awaitLog("listening on", Duration.ofSeconds(30));
      JsonObject ready = Await.result(new TestHttp(vertx, http, foreign.port()).call(HttpMethod.GET, "/readyz", null, null)).json();
      assertThat(ready.getJsonObject("cluster").getInteger("members")).isEqualTo(1);
      cluster.awaitMembers(0, 1, Duration.ofSeconds(5));
    }
  }

  private String memberAddressOf(int index) {
    return cluster.memberAddress(index);
  }

  private static boolean sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return true;
  }

  @Test
  @DisplayName("kill -9 of the owner after two images: B's client gets both and a node_lost end; a replay from B afterwards is byte-identical")
  void ownerKilled() throws Exception {
    startCluster(2, 2, Map.of());
    String body = GROUP.replace("\"prompt\"", "\"response_format\":\"b64_json\",\"prompt\"") + "}";
    String id = post(0, null, body, null).getString("id");
    FakeExchange upstream = Await.result(fake.exchange(0));
    String first = TestImages.jpegBase64(768 << 10, 1);
    String second = TestImages.jpegBase64(768 << 10, 2);
    upstream.streamHead();
    inlineImage(upstream, 0, first);
    inlineImage(upstream, 1, second);
    SseTestClient onB = listen(1, null, id, null);
    Await.result(onB.event(2));

    long killed = System.nanoTime();
    cluster.node(0).kill();
    SseTestClient.Received end = Await.result(onB.event(3), 30_000);
    System.out.println("kill -9 of the owner -> node_lost on the survivor's stream: " + (end.atNanos() - killed) / 1_000_000 + " ms");
    Await.result(onB.ended());
    assertThat(onB.events()).extracting(e -> e.id() + ":" + e.event()).containsExactly("1:started", "2:image", "3:image", "4:error");
    assertThat(new JsonObject(onB.events().get(1).data()).getString("b64_json")).isEqualTo(first);
    assertThat(new JsonObject(onB.events().get(2).data()).getString("b64_json")).isEqualTo(second);
    JsonObject error = new JsonObject(onB.events().get(3).data());
    assertThat(error.getString("code")).isEqualTo("node_lost");
    assertThat(error.getBoolean("retryable")).isTrue();

    SseTestClient replay = listen(1, null, id, null);
    Await.result(replay.ended());
    // The streams are larger than the test client keeps raw: their events are compared, data byte for byte.
    assertThat(replay.events()).as("the replay returns the same events, the same bytes").isEqualTo(onB.events());
    JsonObject snapshot = Await.result(cluster.api(1).call(HttpMethod.GET, "/api/generations/" + id, null, null)).json();
    assertThat(snapshot.getString("status")).isEqualTo("interrupted");
    assertThat(snapshot.getJsonObject("error").getString("code")).isEqualTo("node_lost");
    assertThat(snapshot.getLong("last_event_id")).isEqualTo(4);
  }

  @Test
  @DisplayName("rolling restart: SIGTERM drains the owner's job while B serves it; a node that joins later replays it")
  void rollingRestart() throws Exception {
    startCluster(3, 2, Map.of("SEEDSTREAM_DRAIN_MS", "20000"));
    String id = post(0, null, GROUP + "}", null).getString("id");
    FakeExchange upstream = Await.result(fake.exchange(0));
    upstream.streamHead().image(0, "https://ark.example.com/0.jpeg");
    SseTestClient onB = listen(1, null, id, null);
    Await.result(onB.event(1));

    Thread terminate = new Thread(() -> {
      try {
        cluster.node(0).terminate(Duration.ofSeconds(30));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    terminate.start();
    cluster.node(0).awaitLog("draining: 1 running job(s)", Duration.ofSeconds(10));
    TestHttp.Response refused = Await.result(cluster.api(1).call(HttpMethod.GET, "/api/generations/" + id, null, null));
    assertThat(refused.json().getString("status")).as("B still serves the draining node's job").isEqualTo("running");
    upstream.image(1, "https://ark.example.com/1.jpeg").completed(2).done().end();
    Await.result(onB.ended());
    terminate.join(30_000);
    assertThat(cluster.node(0).alive()).isFalse();
    assertThat(onB.events()).extracting(e -> e.id() + ":" + e.event())
      .containsExactly("1:started", "2:image", "3:image", "4:completed");

    cluster.startNode(2);
    cluster.awaitMembers(2, 2, Duration.ofSeconds(30));
    SseTestClient onC = listen(2, null, id, null);
    Await.result(onC.ended());
    assertSameBytes(onC.raw(), onB.raw(), "a node that joined after the job started replays it");
  }

  @Test
  @DisplayName("split and rejoin: the cut-off owner's job is not run twice, and after the merge every node serves one log, in order")
  void splitAndRejoin() throws Exception {
    startCluster(2, 2, Map.of());
    String id = post(0, null, GROUP + "}", null).getString("id");
    FakeExchange upstream = Await.result(fake.exchange(0));
    upstream.streamHead().image(0, "https://ark.example.com/0.jpeg");
    SseTestClient onB = listen(1, null, id, null);
    Await.result(onB.event(1));

    cluster.node(0).freeze();
    // B no longer hears A: it ends A's job for its clients with node_lost.
    SseTestClient.Received end = Await.result(onB.event(2), 30_000);
    assertThat(end.event().event()).isEqualTo("error");
    assertThat(new JsonObject(end.event().data()).getString("code")).isEqualTo("node_lost");
    cluster.node(0).thaw();
    String healed = "a split healed; this member merged back in";
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (!cluster.node(0).log().contains(healed) && !cluster.node(1).log().contains(healed)) {
      assertThat(System.nanoTime()).as("the halves merge again\n" + cluster.logs()).isLessThan(deadline);
      Thread.sleep(20);
    }
    cluster.awaitMembers(0, 2, Duration.ofSeconds(30));
    cluster.awaitMembers(1, 2, Duration.ofSeconds(30));

    // Whichever side the merge kept, the job ends once. Equal halves: Hazelcast picks the side that merges.
    if (cluster.node(0).log().contains(healed)) {
      // The owner's side gave way: the cluster had ended the job, so the owner aborts its upstream call.
      Await.result(upstream.closed());
    } else {
      // The owner's side was kept: the job goes on there, and ends when the upstream completes it.
      upstream.image(1, "https://ark.example.com/1.jpeg").completed(2).done().end();
    }
    assertThat(fake.requestCount()).as("no second upstream call for the job").isEqualTo(1);
    SseTestClient fromA = awaitEnded(0, id);
    SseTestClient fromB = awaitEnded(1, id);
    assertSameBytes(fromA.raw(), fromB.raw(), "after the merge both nodes serve the same log");
    List<String> ids = fromB.events().stream().map(e -> e.id()).toList();
    for (int i = 0; i < ids.size(); i++) {
      assertThat(ids.get(i)).isEqualTo(Integer.toString(i + 1));
    }
    assertThat(fromB.events().stream().filter(e -> List.of("completed", "error", "cancelled").contains(e.event())).count())
      .as("exactly one end").isEqualTo(1);
    assertThat(fromB.events().get(fromB.events().size() - 1).event()).isIn("completed", "error");
  }

  /**
   * Two streams carry the same bytes, heartbeats aside (those depend on when each stream was quiet); on a
   * mismatch the message shows where, not megabytes of base64.
   */
  private static void assertSameBytes(String actual, String expected, String what) {
    String a = actual.replace(": ping\n\n", "");
    String e = expected.replace(": ping\n\n", "");
    if (!a.equals(e)) {
      int at = 0;
      while (at < Math.min(a.length(), e.length()) && a.charAt(at) == e.charAt(at)) {
        at++;
      }
      throw new AssertionError(what + ": lengths " + a.length() + " and " + e.length() + ", first difference at " + at
        + ": ..." + a.substring(Math.max(0, at - 80), Math.min(a.length(), at + 80)) + "... vs ..."
        + e.substring(Math.max(0, at - 80), Math.min(e.length(), at + 80)) + "...");
    }
  }

  /** A full replay of the job from a node, once the job has ended there (a merge may still be settling). */
  private SseTestClient awaitEnded(int node, String id) throws InterruptedException {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (true) {
      JsonObject snapshot = Await.result(cluster.api(node).call(HttpMethod.GET, "/api/generations/" + id, null, null)).json();
      if (!"running".equals(snapshot.getString("status"))) {
        SseTestClient replay = listen(node, null, id, null);
        Await.result(replay.ended());
        return replay;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("job still running on node " + node + ": " + snapshot + "\n" + cluster.logs());
      }
      Thread.sleep(50);
    }
  }
}
