package dev.seedstream.store;

import dev.seedstream.sse.SseEvent;
import dev.seedstream.support.TestHttp;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The history list answers in bounded size whatever a row holds, and answers an error as an error. Rows
 * the current gateway would refuse (a 3 MB prompt, broken settings) are written straight into the
 * database, as an older gateway or a damaged file would have left them.
 */
@DisplayName("History list bounds")
class HistoryListBoundsTest {

  static final int HUGE = 3_000_000;

  @TempDir
  Path dataDir;

  HistoryFixture gw;

  @AfterEach
  void tearDown() {
    if (gw != null) {
      gw.close();
    }
  }

  Connection database() throws Exception {
    return DriverManager.getConnection("jdbc:sqlite:" + dataDir.resolve("seedstream.db"));
  }

  void insertJob(String id, String prompt, String params, long created) throws Exception {
    try (Connection c = database(); PreparedStatement sql = c.prepareStatement("INSERT INTO jobs (id, prompt, model,"
      + " params, requested_images, status, created, finished) VALUES (?, ?, ?, ?, 1, 'completed', ?, ?)")) {
      sql.setString(1, id);
      sql.setString(2, prompt);
      sql.setString(3, HistoryFixture.MODEL);
      sql.setString(4, params);
      sql.setLong(5, created);
      sql.setLong(6, created);
      sql.executeUpdate();
    }
  }

  @Test
  @DisplayName("the prompt is stored once, in the job's row; the job's snapshot puts it back into params for a re-run")
  void promptIsStoredOnce() throws Exception {
    gw = new HistoryFixture(dataDir);
    List<SseEvent> events = gw.run(HistoryFixture.body("a quiet harbour", 1, ""));
    String id = HistoryFixture.jobId(events);
    gw.settled(id, 1);
    try (Connection c = database(); PreparedStatement sql = c.prepareStatement("SELECT prompt, params FROM jobs WHERE id = ?")) {
      sql.setString(1, id);
      try (ResultSet row = sql.executeQuery()) {
        assertThat(row.next()).isTrue();
        assertThat(row.getString(1)).isEqualTo("a quiet harbour");
        assertThat(new JsonObject(row.getString(2)).containsKey("prompt")).isFalse();
      }
    }
    gw.close();
    gw = new HistoryFixture(dataDir);
    JsonObject past = gw.get("/api/generations/" + id).json();
    assertThat(past.getJsonObject("params").getString("prompt")).isEqualTo("a quiet harbour");
    assertThat(past.getJsonObject("params").getString("model")).isEqualTo(HistoryFixture.MODEL);
  }

  @Test
  @DisplayName("a page lists a preview of a huge prompt, flagged, and stays small; the job's snapshot has the whole prompt")
  void hugePromptIsPreviewed() throws Exception {
    gw = new HistoryFixture(dataDir);
    String prompt = "p".repeat(HUGE);
    // As a gateway before this fix stored it: the prompt in its column and again in params.
    insertJob("job-huge", prompt, new JsonObject().put("model", HistoryFixture.MODEL).put("prompt", prompt).encode(), 1000);
    insertJob("job-small", "a lamp", new JsonObject().put("model", HistoryFixture.MODEL).put("prompt", "a lamp").encode(), 2000);

    TestHttp.Response page = gw.get("/api/generations?limit=100");
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.body().length()).isLessThan(64 * 1024);
    List<JsonObject> jobs = page.json().getJsonArray("generations").stream().map(j -> (JsonObject) j).toList();
    assertThat(jobs).extracting(j -> j.getString("id")).containsExactly("job-small", "job-huge");
    JsonObject huge = jobs.get(1);
    assertThat(huge.getString("prompt")).hasSize(JobRows.PROMPT_PREVIEW_CHARS);
    assertThat(huge.getBoolean("prompt_truncated")).isTrue();
    assertThat(huge.getJsonObject("params").containsKey("prompt")).isFalse();
    JsonObject small = jobs.get(0);
    assertThat(small.getString("prompt")).isEqualTo("a lamp");
    assertThat(small.containsKey("prompt_truncated")).isFalse();
    assertThat(small.getJsonObject("params").getString("prompt")).isEqualTo("a lamp");

    JsonObject whole = gw.get("/api/generations/job-huge").json();
    assertThat(whole.getString("prompt")).hasSize(HUGE);
    assertThat(whole.getJsonObject("params").getString("prompt")).hasSize(HUGE);
  }

  @Test
  @DisplayName("settings too long for a page are left out of it, flagged; the job's snapshot has them")
  void longParamsAreLeftOut() throws Exception {
    gw = new HistoryFixture(dataDir);
    String url = "https://images.example.com/" + "r".repeat(JobRows.PARAMS_PREVIEW_CHARS);
    insertJob("job-refs", "refs", new JsonObject().put("model", HistoryFixture.MODEL)
      .put("image", new io.vertx.core.json.JsonArray().add(url)).encode(), 1000);
    JsonObject listed = gw.get("/api/generations").json().getJsonArray("generations").getJsonObject(0);
    assertThat(listed.containsKey("params")).isFalse();
    assertThat(listed.getBoolean("params_truncated")).isTrue();
    assertThat(gw.get("/api/generations/job-refs").json().getJsonObject("params").getJsonArray("image").getString(0))
      .isEqualTo(url);
  }

  @Test
  @DisplayName("a row the list cannot read answers 500 with the contract's error, not silence")
  void unreadableRowIs500() throws Exception {
    gw = new HistoryFixture(dataDir);
    insertJob("job-broken", "broken", "{not json", 1000);
    TestHttp.Response page = gw.get("/api/generations");
    assertThat(page.status()).isEqualTo(500);
    assertThat(page.json().getJsonObject("error").getString("code")).isEqualTo("internal_error");
  }
}
