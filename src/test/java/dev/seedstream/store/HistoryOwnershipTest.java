package dev.seedstream.store;

import dev.seedstream.support.Await;
import dev.seedstream.support.SseTestClient;
import dev.seedstream.support.TestHttp;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/** X10 for the history: with client tokens each token sees only its own jobs, live or past; and the migration. */
@DisplayName("History ownership with client tokens")
class HistoryOwnershipTest {

  static final String TOKEN_A = "token-for-alice-0123456789";
  static final String TOKEN_B = "token-for-bob-abcdefghijkl";
  static final Map<String, String> TOKENS = Map.of("SEEDSTREAM_TOKENS", "alice:" + TOKEN_A + ",bob:" + TOKEN_B);
  static final String UNKNOWN = "/api/generations/AAAAAAAAAAAAAAAAAAAAAA";

  @TempDir
  Path dataDir;

  final List<HistoryFixture> started = new ArrayList<>();

  @AfterEach
  void tearDown() {
    started.forEach(HistoryFixture::close);
  }

  HistoryFixture gateway(Map<String, String> overrides) {
    HistoryFixture fixture = new HistoryFixture(dataDir, overrides, UnaryOperator.identity());
    started.add(fixture);
    return fixture;
  }

  /** Stops a gateway the way a restart does, so the next one on the same data dir starts with an empty registry. */
  void stop(HistoryFixture fixture) {
    started.remove(fixture);
    fixture.close();
  }

  static MultiMap bearer(String token) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    if (token != null) {
      headers.add("Authorization", "Bearer " + token);
    }
    return headers;
  }

  static TestHttp.Response call(HistoryFixture gw, HttpMethod method, String path, String token) {
    return Await.result(gw.api.call(method, path, bearer(token), null), 30_000);
  }

  static SseTestClient open(HistoryFixture gw, String token, String prompt) {
    MultiMap headers = bearer(token);
    return Await.result(SseTestClient.open(gw.vertx, gw.http, gw.gateway.port(), HttpMethod.POST, "/api/generations",
      headers, Buffer.buffer(HistoryFixture.body(prompt, 1, ""))));
  }

  /** Runs one job of one image to its end as {@code token}; returns its id. */
  static String run(HistoryFixture gw, String token, String prompt) {
    SseTestClient client = open(gw, token, prompt);
    Await.result(client.ended(), 60_000);
    String id = HistoryFixture.jobId(client.events());
    gw.settled(id, 1);
    return id;
  }

  static List<String> listed(HistoryFixture gw, String token) {
    return ids(call(gw, HttpMethod.GET, "/api/generations?limit=100", token).json());
  }

  static List<String> ids(JsonObject page) {
    return page.getJsonArray("generations").stream().map(g -> ((JsonObject) g).getString("id")).toList();
  }

  /** Snapshot, zip and DELETE of {@code id} as {@code token} answer exactly as for an id nobody has. */
  static void looksUnknown(HistoryFixture gw, String id, String token) {
    String job = "/api/generations/" + id;
    TestHttp.Response unknown = call(gw, HttpMethod.GET, UNKNOWN, token);
    assertThat(unknown.status()).isEqualTo(404);
    for (HttpMethod method : new HttpMethod[] {HttpMethod.GET, HttpMethod.DELETE}) {
      TestHttp.Response foreign = call(gw, method, job, token);
      assertThat(foreign.status()).as(method + " " + job).isEqualTo(404);
      assertThat(foreign.body()).isEqualTo(unknown.body());
    }
    TestHttp.Response zip = call(gw, HttpMethod.GET, job + "/images.zip", token);
    assertThat(zip.status()).isEqualTo(404);
    assertThat(zip.body()).isEqualTo(call(gw, HttpMethod.GET, UNKNOWN + "/images.zip", token).body());
    assertThat(listed(gw, token)).doesNotContain(id);
  }

  @Test
  @DisplayName("issue 21 item 3: with tokens and the store on, a running job's snapshot carries a signed events_url that opens it")
  void runningSnapshotIsSigned() {
    HistoryFixture gw = gateway(TOKENS);
    gw.gateway.simulator().holdImages(true);
    Promise<Void> waiting = Promise.promise();
    gw.gateway.simulator().imageWaitingListener(waiting::tryComplete);
    SseTestClient stream = open(gw, TOKEN_A, "a signed fox");
    String id = new JsonObject(Await.result(stream.event(0)).event().data()).getString("id");
    Await.result(waiting.future(), 30_000);
    TestHttp.Response snapshot = call(gw, HttpMethod.GET, "/api/generations/" + id, TOKEN_A);
    assertThat(snapshot.status()).isEqualTo(200);
    assertThat(snapshot.json().getString("status")).isEqualTo("running");
    String eventsUrl = snapshot.json().getString("events_url");
    assertThat(eventsUrl).startsWith("/api/generations/" + id + "/events?access=");
    SseTestClient reopened = Await.result(SseTestClient.open(gw.vertx, gw.http, gw.gateway.port(), HttpMethod.GET,
      eventsUrl, null, null));
    assertThat(Await.result(reopened.event(0)).event().event()).as("the signed URL opens the stream without a token")
      .isEqualTo("started");
    gw.gateway.simulator().holdImages(false);
    Await.result(stream.ended(), 60_000);
  }

  @Test
  @DisplayName("X10: token B gets 404 for token A's job in the history (snapshot, zip, DELETE, list), running and after a restart")
  void foreignJobIsUnknown() {
    HistoryFixture gw = gateway(TOKENS);
    gw.gateway.simulator().holdImages(true);
    Promise<Void> waiting = Promise.promise();
    gw.gateway.simulator().imageWaitingListener(waiting::tryComplete);
    SseTestClient stream = open(gw, TOKEN_A, "a private fox");
    String id = new JsonObject(Await.result(stream.event(0)).event().data()).getString("id");
    Await.result(waiting.future(), 30_000);

    looksUnknown(gw, id, TOKEN_B);
    JsonObject running = call(gw, HttpMethod.GET, "/api/generations/" + id, TOKEN_A).json();
    assertThat(running.getString("status")).as("B's DELETE cancelled nothing").isEqualTo("running");
    assertThat(listed(gw, TOKEN_A)).containsExactly(id);

    gw.gateway.simulator().holdImages(false);
    Await.result(stream.ended(), 60_000);
    gw.settled(id, 1);
    stop(gw);

    HistoryFixture after = gateway(TOKENS);
    looksUnknown(after, id, TOKEN_B);
    JsonObject past = call(after, HttpMethod.GET, "/api/generations/" + id, TOKEN_A).json();
    assertThat(past.getString("status")).isEqualTo("completed");
    assertThat(past.getString("prompt")).isEqualTo("a private fox");
    assertThat(call(after, HttpMethod.GET, "/api/generations/" + id + "/images.zip", TOKEN_A).status()).isEqualTo(200);
    assertThat(listed(after, TOKEN_A)).containsExactly(id);
    assertThat(call(after, HttpMethod.DELETE, "/api/generations/" + id, TOKEN_A).status()).isEqualTo(204);
    assertThat(call(after, HttpMethod.GET, "/api/generations/" + id, TOKEN_A).status()).isEqualTo(404);
  }

  @Test
  @DisplayName("X10: a finished job still in the registry is 404 to another token too, and its DELETE does not drop it")
  void finishedLiveJob() {
    HistoryFixture gw = gateway(TOKENS);
    String id = run(gw, TOKEN_A, "a recent fox");
    looksUnknown(gw, id, TOKEN_B);
    assertThat(call(gw, HttpMethod.GET, "/api/generations/" + id + "/events", TOKEN_A).status())
      .as("the registry still replays it to its owner").isEqualTo(200);
  }

  @Test
  @DisplayName("a token's list pages through its own jobs only; another token's id is no cursor")
  void paginationIsPerToken() {
    HistoryFixture gw = gateway(TOKENS);
    List<String> mine = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      mine.add(run(gw, TOKEN_A, "alice " + i));
      run(gw, TOKEN_B, "bob " + i);
    }
    List<String> all = listed(gw, TOKEN_A);
    assertThat(all).containsExactlyInAnyOrderElementsOf(mine);

    List<String> walked = new ArrayList<>();
    String before = null;
    do {
      JsonObject page = call(gw, HttpMethod.GET, "/api/generations?limit=1" + (before == null ? "" : "&before=" + before),
        TOKEN_A).json();
      assertThat(page.getJsonArray("generations").size()).isLessThanOrEqualTo(1);
      walked.addAll(ids(page));
      before = page.getString("next_before");
    } while (before != null && walked.size() <= mine.size());
    assertThat(walked).containsExactlyElementsOf(all);

    TestHttp.Response foreignCursor = call(gw, HttpMethod.GET, "/api/generations?before=" + mine.get(0), TOKEN_B);
    assertThat(foreignCursor.status()).isEqualTo(400);
    assertThat(foreignCursor.body())
      .isEqualTo(call(gw, HttpMethod.GET, "/api/generations?before=AAAAAAAAAAAAAAAAAAAAAA", TOKEN_B).body());
  }

  @Test
  @DisplayName("with tokens, a durable image URL serves without Authorization (an <img> cannot send it); the history does not")
  void durableUrlNeedsNoToken() {
    HistoryFixture gw = gateway(TOKENS);
    String id = run(gw, TOKEN_A, "a fox in a frame");
    TestHttp.Response image = gw.get("/api/images/" + id + "/0");
    assertThat(image.status()).isEqualTo(200);
    assertThat(image.header("Content-Type")).isEqualTo("image/jpeg");
    assertThat(image.header("Referrer-Policy")).isEqualTo("no-referrer");
    assertThat(Await.result(gw.api.call(HttpMethod.HEAD, "/api/images/" + id + "/0", null, null)).status()).isEqualTo(200);
    assertThat(gw.get("/api/images/" + id + "/7").status()).isEqualTo(404);
    assertThat(gw.get("/api/generations").status()).isEqualTo(401);
    assertThat(gw.get("/api/generations/" + id + "/images.zip").status()).isEqualTo(401);
  }

  @Test
  @DisplayName("a job's signed access parameter opens its event stream, never its history")
  void accessGrantOpensNoHistory() {
    HistoryFixture gw = gateway(TOKENS);
    JsonObject accepted = Await.result(gw.api.call(HttpMethod.POST, "/api/generations", bearer(TOKEN_A),
      HistoryFixture.body("a granted fox", 1, "")), 30_000).json();
    String eventsUrl = accepted.getString("events_url");
    String access = eventsUrl.substring(eventsUrl.indexOf("?") + 1);
    String job = "/api/generations/" + accepted.getString("id");
    SseTestClient stream = Await.result(SseTestClient.get(gw.vertx, gw.http, gw.gateway.port(), eventsUrl, null));
    assertThat(stream.response().statusCode()).isEqualTo(200);
    Await.result(stream.ended(), 60_000);
    for (String path : List.of(job, job + "/images.zip", "/api/generations")) {
      assertThat(gw.get(path + "?" + access).status()).as(path).isEqualTo(401);
    }
    assertThat(Await.result(gw.api.call(HttpMethod.DELETE, job + "?" + access, null, null)).status()).isEqualTo(401);
  }

  @Test
  @DisplayName("a version-1 history is migrated at start-up: its jobs stay listed without tokens and are nobody's with them")
  void migratesVersionOne() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeFalse(TestPostgres.enabled(), "a version-1 history is an SQLite file");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("seedstream.db"));
         Statement sql = c.createStatement()) {
      for (String statement : VERSION_ONE) {
        sql.execute(statement);
      }
      sql.execute("INSERT INTO jobs (id, prompt, model, params, requested_images, status, created, finished)"
        + " VALUES ('old-job-0000000000000a', 'an old fox', 'doubao-seedream-4-5-251128', '{}', 1, 'completed', 1000, 2000)");
      sql.execute("PRAGMA user_version = 1");
    }

    HistoryFixture open = gateway(Map.of());
    assertThat(listed(open, null)).containsExactly("old-job-0000000000000a");
    assertThat(open.get("/api/generations/old-job-0000000000000a").json().getString("prompt")).isEqualTo("an old fox");
    String fresh = run(open, null, "a new fox");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("seedstream.db"))) {
      assertThat(SchemaMigrations.version(c)).isEqualTo(SchemaMigrations.latest());
      assertThat(owner(c, "old-job-0000000000000a")).isNull();
      assertThat(owner(c, fresh)).as("without tokens the owner is the address").isEqualTo("address:127.0.0.1");
    }
    stop(open);

    HistoryFixture tokens = gateway(TOKENS);
    assertThat(listed(tokens, TOKEN_A)).isEmpty();
    assertThat(call(tokens, HttpMethod.GET, "/api/generations/old-job-0000000000000a", TOKEN_A).status()).isEqualTo(404);
  }

  static String owner(Connection c, String id) throws Exception {
    try (Statement sql = c.createStatement();
         ResultSet row = sql.executeQuery("SELECT owner FROM jobs WHERE id = '" + id + "'")) {
      assertThat(row.next()).isTrue();
      return row.getString(1);
    }
  }

  /** The schema as version 1 of the gateway created it, frozen here: step 1 must never change. */
  static final List<String> VERSION_ONE = List.of(
    "CREATE TABLE jobs (id TEXT PRIMARY KEY, prompt TEXT NOT NULL, model TEXT NOT NULL, params TEXT NOT NULL,"
      + " requested_images INTEGER NOT NULL, status TEXT NOT NULL, created INTEGER NOT NULL, finished INTEGER,"
      + " error TEXT, usage TEXT, terminal TEXT, failed_images TEXT NOT NULL DEFAULT '[]')",
    "CREATE INDEX jobs_by_created ON jobs (created, id)",
    "CREATE TABLE images (job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,"
      + " image_index INTEGER NOT NULL, size TEXT, bytes INTEGER, sha256 TEXT, format TEXT, crc32 INTEGER,"
      + " upstream_url TEXT, url_expires INTEGER, status TEXT NOT NULL, reason TEXT, created INTEGER NOT NULL,"
      + " stored_at INTEGER, PRIMARY KEY (job_id, image_index))",
    "CREATE INDEX images_by_sha256 ON images (sha256)",
    "CREATE INDEX images_by_status ON images (status)");
}
