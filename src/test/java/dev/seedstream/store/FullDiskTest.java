package dev.seedstream.store;

import dev.seedstream.sse.SseEvent;
import dev.seedstream.support.Await;
import dev.seedstream.support.TestHttp;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A full disk, made without mounting anything so it runs anywhere: the history database is held at its
 * current size with SQLite's own {@code max_page_count} (SQLite then answers {@code SQLITE_FULL}, as on a
 * full disk), and image files cannot be written because a file stands where their directory must be
 * (which stops root too). Both are real failures of the real store, and both can be lifted again.
 */
@DisplayName("A full disk")
class FullDiskTest {

  /** Long enough that the job's row needs a page the full database does not have. */
  static final String LONG_PROMPT = "a long quiet harbour at dusk " + "with boats ".repeat(600);

  @TempDir
  Path dataDir;

  final List<HistoryFixture> started = new ArrayList<>();

  @AfterEach
  void tearDown() {
    started.forEach(HistoryFixture::close);
  }

  HistoryFixture gateway() {
    HistoryFixture fixture = new HistoryFixture(dataDir, Map.of("SEEDSTREAM_MAX_PROMPT_CHARS", "20000"),
      UnaryOperator.identity());
    started.add(fixture);
    return fixture;
  }

  static void limitDatabase(HistoryFixture gw, boolean full) {
    Await.result(gw.gateway.verticle().archive().db.run(c -> {
      try (Statement sql = c.createStatement()) {
        long pages;
        try (ResultSet count = sql.executeQuery("PRAGMA page_count")) {
          count.next();
          pages = count.getLong(1);
        }
        sql.executeQuery("PRAGMA max_page_count = " + (full ? pages : 1_000_000_000L)).close();
      }
      return null;
    }));
  }

  Path incoming() {
    return dataDir.resolve("images").resolve(".incoming");
  }

  void blockImageFiles() throws Exception {
    Files.createDirectories(incoming().getParent());
    Files.deleteIfExists(incoming());
    Files.writeString(incoming(), "no room");
  }

  void unblockImageFiles() throws Exception {
    Files.delete(incoming());
  }

  static boolean caughtUp(HistoryFixture gw) {
    return "ok".equals(gw.get("/readyz").json().getString("store"))
      && gw.get("/metrics").body().toString().contains("seedstream_store_unrecorded_writes 0.0");
  }

  @Test
  @DisplayName("with the history that far behind, an arriving image is refused before any download, and its job's rows still wait their turn")
  void historyFarBehindRefusesImagesNotJobs() throws Exception {
    HistoryFixture gw = gateway();
    limitDatabase(gw, true);
    ImageArchive archive = gw.gateway.verticle().archive();
    // A job row too long for the full database waits, and everything submitted after it waits behind it.
    List<SseEvent> first = gw.run(HistoryFixture.body(LONG_PROMPT, 1, ""));
    Await.result(archive.outcome(HistoryFixture.jobId(first), 0), 30_000);
    Await.result(gw.when(() -> !gw.get("/metrics").body().toString().contains("seedstream_store_unrecorded_writes 0.0")), 20_000);
    Promise<Void> filled = Promise.promise();
    archive.context.runOnContext(v -> {
      while (archive.writes.hasRoomForImages()) {
        archive.writes.submit(() -> "filler", () -> Future.succeededFuture());
      }
      filled.complete();
    });
    Await.result(filled.future());

    List<SseEvent> events = gw.run(HistoryFixture.body("a clear morning", 1, ""));
    assertThat(events.get(events.size() - 1).event()).as("the relay goes on").isEqualTo("completed");
    // Once the store's loop has taken the image up (outcome answers in turn behind it).
    Await.result(archive.outcome(HistoryFixture.jobId(events), 0), 30_000);
    String metrics = gw.get("/metrics").body().toString();
    assertThat(metrics).contains("reason=\"backlog\"} 1.0").contains("seedstream_store_retries_total 0.0");
    assertThat(metrics).as("nothing was fetched for it").contains("seedstream_images_stored_total 1.0");

    limitDatabase(gw, false);
    Await.result(gw.when(() -> caughtUp(gw)), 30_000);
    // The history's own list: both jobs have their rows, ended.
    JsonArray listed = gw.get("/api/generations").json().getJsonArray("generations");
    assertThat(listed.stream().map(job -> ((JsonObject) job).getString("id")))
      .contains(HistoryFixture.jobId(events), HistoryFixture.jobId(first));
    assertThat(listed.stream().map(job -> ((JsonObject) job).getString("status"))).containsOnly("completed");
  }

  @Test
  @DisplayName("an image kept while its pending row still waits for the history gets one row written, its final one")
  void finalRowReplacesAWaitingPendingRow() throws Exception {
    HistoryFixture gw = gateway();
    ImageArchive archive = gw.gateway.verticle().archive();
    limitDatabase(gw, true);
    // The job's row does not fit: it waits, and its images' pending rows wait behind it while the images are kept.
    List<SseEvent> events = gw.run(HistoryFixture.body(LONG_PROMPT, 3, ""));
    String id = HistoryFixture.jobId(events);
    for (int i = 0; i < 3; i++) {
      Await.result(archive.outcome(id, i), 30_000);
    }
    long before = changes(archive);

    limitDatabase(gw, false);
    Await.result(gw.when(() -> caughtUp(gw)), 30_000);
    // The job's row, its end, and one row per image: not a pending row and then its final one.
    assertThat(changes(archive) - before).isEqualTo(1 + 1 + 3);
    JsonArray images = gw.get("/api/generations/" + id).json().getJsonArray("images");
    for (int i = 0; i < 3; i++) {
      assertThat(images.getJsonObject(i).getJsonObject("storage").getString("status")).isEqualTo("stored");
    }
  }

  /** Rows inserted, updated or deleted on the history's connection since it opened. */
  static long changes(ImageArchive archive) {
    return Await.result(archive.db.run(c -> {
      try (Statement sql = c.createStatement(); ResultSet row = sql.executeQuery("SELECT total_changes()")) {
        row.next();
        return row.getLong(1);
      }
    }));
  }

  @Test
  @DisplayName("every image ends stored or not_persisted with its reason, the store reports degraded, storing resumes, and a restart shows it all")
  void everyImageIsAccountedFor() throws Exception {
    HistoryFixture gw = gateway();
    limitDatabase(gw, true);
    blockImageFiles();

    List<SseEvent> events = gw.run(HistoryFixture.body(LONG_PROMPT, 3, ""));
    assertThat(events.get(events.size() - 1).event()).as("the relay goes on").isEqualTo("completed");
    String id = HistoryFixture.jobId(events);
    List<JsonObject> images = HistoryFixture.images(events);
    assertThat(images).hasSize(3);
    for (int i = 0; i < 3; i++) {
      // The outcome, not settled(): the history cannot record it while the database is full.
      Await.result(gw.gateway.verticle().archive().outcome(id, i), 30_000);
    }

    JsonArray live = gw.get("/api/generations/" + id).json().getJsonArray("images");
    for (int i = 0; i < 3; i++) {
      JsonObject storage = live.getJsonObject(i).getJsonObject("storage");
      assertThat(storage.getString("status")).isEqualTo("not_persisted");
      assertThat(storage.getString("reason")).contains("disk error");
      TestHttp.Response durable = gw.get(images.get(i).getString("durable_url"));
      assertThat(durable.status()).as("no copy: the upstream URL, still valid").isEqualTo(307);
      assertThat(durable.header("Location")).isEqualTo(images.get(i).getString("url"));
    }
    TestHttp.Response ready = gw.get("/readyz");
    assertThat(ready.status()).as("relaying still works").isEqualTo(200);
    assertThat(ready.json().getString("store")).isEqualTo("degraded");
    assertThat(ready.json().getString("store_reason")).contains("history database").contains("SQLITE_FULL");
    String metrics = gw.get("/metrics").body().toString();
    assertThat(metrics).contains("seedstream_store_degraded 1.0").contains("reason=\"disk\"} 3.0");

    limitDatabase(gw, false);
    unblockImageFiles();
    List<SseEvent> after = gw.run(HistoryFixture.body("a clear morning", 1, ""));
    String nextId = HistoryFixture.jobId(after);
    gw.settled(nextId, 1);
    Await.result(gw.when(() -> caughtUp(gw)), 20_000);
    assertThat(gw.get("/api/images/" + nextId + "/0").status()).isEqualTo(200);
    assertThat(gw.get("/metrics").body().toString()).contains("seedstream_store_degraded 0.0");

    gw.close();
    started.remove(gw);
    HistoryFixture restarted = gateway();
    JsonObject past = restarted.get("/api/generations/" + id).json();
    assertThat(past.getString("status")).isEqualTo("completed");
    assertThat(past.getString("prompt")).isEqualTo(LONG_PROMPT);
    JsonArray kept = past.getJsonArray("images");
    assertThat(kept).hasSize(3);
    for (int i = 0; i < 3; i++) {
      JsonObject storage = kept.getJsonObject(i).getJsonObject("storage");
      assertThat(storage.getString("status")).isEqualTo("not_persisted");
      assertThat(storage.getString("reason")).contains("disk error");
      TestHttp.Response durable = restarted.get("/api/images/" + id + "/" + i);
      assertThat(durable.status()).as("the old simulator's URL is no allowed redirect now").isEqualTo(404);
      assertThat(durable.json().getJsonObject("error").getString("message")).contains("disk error");
    }
    JsonObject next = restarted.get("/api/generations/" + nextId).json();
    assertThat(next.getJsonArray("images").getJsonObject(0).getJsonObject("storage").getString("status"))
      .isEqualTo("stored");
    assertThat(restarted.get("/api/images/" + nextId + "/0").status()).isEqualTo(200);
    assertThat(DurableImagesTest.ids(restarted.get("/api/generations").json().getJsonArray("generations")))
      .containsExactly(nextId, id);
    assertThat(restarted.get("/readyz").json().getString("store")).isEqualTo("ok");
  }

  @Test
  @DisplayName("the durable URL of an inline image that could not be written answers 404 with the reason, never a file")
  void unwrittenInlineImage() throws Exception {
    HistoryFixture gw = gateway();
    blockImageFiles();
    List<SseEvent> events = gw.run(HistoryFixture.body("a kite", 1, ",\"response_format\":\"b64_json\""));
    // Asked at once, while the copy may still be on its way: the answer waits for the outcome.
    TestHttp.Response durable = gw.get(HistoryFixture.images(events).get(0).getString("durable_url"));
    assertThat(durable.status()).isEqualTo(404);
    assertThat(durable.json().getJsonObject("error").getString("message")).contains("disk error")
      .contains("inline");
    JsonObject ready = gw.get("/readyz").json();
    assertThat(ready.getString("store")).isEqualTo("degraded");
    assertThat(ready.getString("store_reason")).contains("image files");

    unblockImageFiles();
    List<SseEvent> again = gw.run(HistoryFixture.body("a kite again", 1, ",\"response_format\":\"b64_json\""));
    assertThat(gw.get(HistoryFixture.images(again).get(0).getString("durable_url")).status()).isEqualTo(200);
    assertThat(gw.get("/readyz").json().getString("store")).as("one written file clears it").isEqualTo("ok");
  }
}
