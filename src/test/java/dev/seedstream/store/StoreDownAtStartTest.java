package dev.seedstream.store;

import dev.seedstream.sse.SseEvent;
import dev.seedstream.support.Await;
import dev.seedstream.support.TestHttp;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A shared store (PostgreSQL, a bucket) down when the gateway starts: it starts anyway, relays, answers
 * {@code /readyz} 503 with the reason and the history 503 {@code not_ready}, and switches the store in once it
 * answers. Runs in the executions that have the database or the bucket.
 */
class StoreDownAtStartTest {

  @TempDir
  Path dataDir;

  HistoryFixture gw;

  @AfterEach
  void tearDown() throws Exception {
    if (gw != null) {
      gw.close();
    }
    if (TestPostgres.enabled()) {
      TestPostgres.server().start();
    }
    if (TestS3.enabled()) {
      TestS3.server().startIfStopped();
    }
  }

  @Test
  @DisplayName("issue 23: PostgreSQL down at start-up: the gateway starts and relays, /readyz 503 names the database, "
    + "the history answers 503 not_ready; once the database answers, /readyz 200 and jobs are kept")
  void databaseDown() throws Exception {
    Assumptions.assumeTrue(TestPostgres.enabled(), "the database runs in the history-on-postgresql executions");
    TestPostgres.urlFor(dataDir); // its database exists; the server is what is down
    TestPostgres.server().stop();
    gw = new HistoryFixture(dataDir);
    String reason = unready("the store could not be opened: ");
    assertThat(reason).as("names what is down").containsIgnoringCase("127.0.0.1:" + TestPostgres.server().port);
    relaysWithoutTheStore();

    TestPostgres.server().start();
    keptOnceOpen();
  }

  @Test
  @DisplayName("issue 23: the bucket down at start-up: the gateway starts and relays, /readyz 503 names the bucket; "
    + "once the bucket answers, /readyz 200, images are stored and their durable URLs serve")
  void bucketDown() throws Exception {
    Assumptions.assumeTrue(TestS3.enabled(), "the bucket runs in the blobs-on-s3 executions");
    TestS3.envFor(dataDir); // its bucket exists; the server is what is down
    TestS3.server().stop();
    gw = new HistoryFixture(dataDir);
    assertThat(unready("the store could not be opened: the bucket ")).contains("does not answer");
    relaysWithoutTheStore();

    TestS3.server().start();
    keptOnceOpen();
  }

  /** /readyz is 503 with the store unavailable and a reason starting with {@code prefix}; returns the reason. */
  private String unready(String prefix) {
    TestHttp.Response ready = gw.get("/readyz");
    assertThat(ready.status()).isEqualTo(503);
    JsonObject body = ready.json();
    assertThat(body.getBoolean("ready")).isFalse();
    assertThat(body.getString("store")).isEqualTo("unavailable");
    assertThat(body.getString("store_reason")).startsWith(prefix);
    return body.getString("store_reason");
  }

  private void relaysWithoutTheStore() {
    List<SseEvent> events = gw.run(HistoryFixture.body("without the store", 1, ""));
    assertThat(events.get(events.size() - 1).event()).isEqualTo("completed");
    List<JsonObject> images = HistoryFixture.images(events);
    assertThat(images).as("the relay goes on").hasSize(1);
    assertThat(images.get(0).containsKey("durable_url")).as("no durable URL that could not serve").isFalse();
    TestHttp.Response history = gw.get("/api/generations");
    assertThat(history.status()).isEqualTo(503);
    assertThat(history.json().getJsonObject("error").getString("code")).isEqualTo("not_ready");
    assertThat(history.header("Retry-After")).isNotNull();
    assertThat(gw.get("/api/images/" + HistoryFixture.jobId(events) + "/0").status()).isEqualTo(503);
  }

  /** Tried again in the background (1 s doubling, up to 30 s apart): ready once it opens, and jobs are kept. */
  private void keptOnceOpen() {
    Await.result(gw.when(() -> gw.get("/readyz").status() == 200), 60_000);
    assertThat(gw.get("/readyz").json().getString("store")).isEqualTo("ok");
    List<SseEvent> events = gw.run(HistoryFixture.body("with the store", 1, ""));
    String id = HistoryFixture.jobId(events);
    gw.settled(id, 1);
    JsonObject listed = gw.get("/api/generations").json().getJsonArray("generations").getJsonObject(0);
    assertThat(listed.getString("id")).isEqualTo(id);
    assertThat(listed.getJsonArray("images").getJsonObject(0).getJsonObject("storage").getString("status"))
      .isEqualTo("stored");
    TestHttp.Response image = gw.get(HistoryFixture.images(events).get(0).getString("durable_url"));
    assertThat(image.status()).isEqualTo(200);
  }
}
