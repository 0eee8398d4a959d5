package dev.seedstream.store;

import dev.seedstream.sse.SseEvent;
import dev.seedstream.support.Await;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/** Two gateways on one PostgreSQL history (each with its own data dir): one history, one migration, retention once. */
@DisplayName("A history shared by two gateways")
class SharedHistoryTest {

  @TempDir
  Path dirA;
  @TempDir
  Path dirB;

  final List<HistoryFixture> started = new ArrayList<>();
  String database;

  @BeforeEach
  void onlyWithPostgres() {
    Assumptions.assumeTrue(TestPostgres.enabled(), "a shared history needs PostgreSQL");
    database = TestPostgres.urlFor(dirA);
  }

  @AfterEach
  void tearDown() {
    started.forEach(HistoryFixture::close);
  }

  HistoryFixture gateway(Path dataDir, Map<String, String> extra) {
    Map<String, String> env = new java.util.HashMap<>(extra);
    env.put("SEEDSTREAM_DATABASE_URL", database);
    if (TestS3.enabled()) {
      // One bucket for both, as one history: dirA's.
      env.putAll(TestS3.envFor(dirA));
    }
    HistoryFixture fixture = new HistoryFixture(dataDir, env, UnaryOperator.identity());
    synchronized (started) {
      started.add(fixture);
    }
    return fixture;
  }

  static List<String> listed(HistoryFixture gw) {
    return gw.get("/api/generations?limit=100").json().getJsonArray("generations").stream()
      .map(g -> ((JsonObject) g).getString("id")).toList();
  }

  @Test
  @DisplayName("two gateways starting together on an empty database both start, and the schema is migrated once")
  void migratedOnce() throws Exception {
    CompletableFuture<HistoryFixture> a = CompletableFuture.supplyAsync(() -> gateway(dirA, Map.of()));
    CompletableFuture<HistoryFixture> b = CompletableFuture.supplyAsync(() -> gateway(dirB, Map.of()));
    a.get();
    b.get();
    PostgresHistory history = (PostgresHistory) a.get().gateway.verticle().archive().history;
    assertThat(Await.result(history.migrationsApplied())).as("one row per step, not two")
      .isEqualTo(SchemaMigrations.latest());
  }

  @Test
  @DisplayName("a job run on one gateway is in the other's history, in the same order, and its owner's alone")
  void oneHistory() {
    HistoryFixture a = gateway(dirA, Map.of());
    HistoryFixture b = gateway(dirB, Map.of());
    List<String> ids = new ArrayList<>();
    for (HistoryFixture gw : List.of(a, b, a)) {
      List<SseEvent> events = gw.run(HistoryFixture.body("shared fox", 1, ""));
      ids.add(HistoryFixture.jobId(events));
      gw.settled(ids.get(ids.size() - 1), 1);
    }
    assertThat(listed(a)).containsExactly(ids.get(2), ids.get(1), ids.get(0));
    assertThat(listed(b)).isEqualTo(listed(a));
    assertThat(b.get("/api/generations/" + ids.get(0)).json().getString("status")).isEqualTo("completed");
    assertThat(b.get("/api/generations/" + ids.get(1)).json().getString("status"))
      .as("the other gateway runs: nothing of its is marked interrupted").isEqualTo("completed");
  }

  @Test
  @DisplayName("retention applied by both gateways at once removes each old job once, by one of them")
  void retentionOnce() {
    HistoryFixture a = gateway(dirA, Map.of());
    HistoryFixture b = gateway(dirB, Map.of());
    for (int i = 0; i < 4; i++) {
      List<SseEvent> events = a.run(HistoryFixture.body("old fox " + i, 1, ""));
      a.settled(HistoryFixture.jobId(events), 1);
    }
    ImageArchive archiveA = a.gateway.verticle().archive();
    ImageArchive archiveB = b.gateway.verticle().archive();
    // Both with the same limit: a maximum age of 1 ms, so every finished job is old.
    Future<List<String>> byA = onArchive(a, () -> archiveA.history.retain(1, 0, System.currentTimeMillis() + 10));
    Future<List<String>> byB = onArchive(b, () -> archiveB.history.retain(1, 0, System.currentTimeMillis() + 10));
    List<String> removedA = Await.result(byA, 30_000);
    List<String> removedB = Await.result(byB, 30_000);
    List<String> all = new ArrayList<>(removedA);
    all.addAll(removedB);
    assertThat(all).as("four jobs, each removed once").hasSize(4).doesNotHaveDuplicates();
    assertThat(listed(b)).isEmpty();
  }

  @Test
  @DisplayName("with a shared bucket, a durable URL handed out by one gateway serves the same bytes from the other, ranges too")
  void durableUrlFromEither() {
    Assumptions.assumeTrue(TestS3.enabled(), "images shared between gateways need the bucket");
    HistoryFixture a = gateway(dirA, Map.of());
    HistoryFixture b = gateway(dirB, Map.of());
    List<SseEvent> events = a.run(HistoryFixture.body("shared heron", 1, ""));
    String id = HistoryFixture.jobId(events);
    a.settled(id, 1);
    String url = HistoryFixture.images(events).get(0).getString("durable_url");
    var fromA = a.get(url);
    var fromB = b.get(url);
    assertThat(fromB.status()).isEqualTo(200);
    assertThat(fromB.header("ETag")).isEqualTo(fromA.header("ETag"));
    assertThat(fromB.header("Cache-Control")).contains("immutable");
    assertThat(fromB.body().getBytes()).isEqualTo(fromA.body().getBytes());
    var part = b.get(url, "Range", "bytes=10-109");
    assertThat(part.status()).isEqualTo(206);
    assertThat(part.body().getBytes()).isEqualTo(java.util.Arrays.copyOfRange(fromA.body().getBytes(), 10, 110));
  }

  static <T> Future<T> onArchive(HistoryFixture gw, java.util.function.Supplier<Future<T>> action) {
    io.vertx.core.Promise<T> result = io.vertx.core.Promise.promise();
    gw.gateway.verticle().archive().settled("none", 0).onComplete(v -> action.get().onComplete(result));
    return result.future();
  }
}
