package dev.seedstream.store;

import dev.seedstream.sse.SseEvent;
import dev.seedstream.support.TestHttp;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/** Images in a bucket that goes away and comes back, and durable URLs that redirect to it. Runs with the bucket only. */
class BucketOutageTest {

  @TempDir
  Path dataDir;

  HistoryFixture gw;

  @BeforeEach
  void onlyWithTheBucket() {
    Assumptions.assumeTrue(TestS3.enabled(), "the bucket runs in the blobs-on-s3 executions");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (gw != null) {
      gw.close();
    }
    TestS3.server().startIfStopped();
  }

  static JsonObject storage(HistoryFixture gw, String id) {
    return gw.get("/api/generations/" + id).json().getJsonArray("images").getJsonObject(0).getJsonObject("storage");
  }

  /** The image's storage once its first upload has failed: asked over HTTP until it says so (bounded). */
  static JsonObject retrying(HistoryFixture gw, String id) {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (true) {
      JsonObject storage = storage(gw, id);
      if ("not_persisted".equals(storage.getString("status")) || System.nanoTime() > deadline) {
        return storage;
      }
    }
  }

  @Test
  @DisplayName("issue 23: the bucket down while running: the image is relayed, marked not_persisted with the reason "
    + "while it is retried, counted and reported by /readyz; once the bucket is back the same image is stored and its "
    + "durable URL serves it; what was stored before is not lost")
  void bucketDown() throws Exception {
    gw = new HistoryFixture(dataDir);
    List<SseEvent> before = gw.run(HistoryFixture.body("before the outage", 1, ""));
    String kept = HistoryFixture.jobId(before);
    gw.settled(kept, 1);
    assertThat(storage(gw, kept).getString("status")).isEqualTo("stored");

    TestS3.server().stop();
    List<SseEvent> during = gw.run(HistoryFixture.body("during the outage", 1, ""));
    long imageAt = System.nanoTime();
    assertThat(HistoryFixture.images(during)).as("the relay goes on without the bucket").hasSize(1);
    assertThat(during.get(during.size() - 1).event()).isEqualTo("completed");
    String retried = HistoryFixture.jobId(during);
    JsonObject storage = retrying(gw, retried);
    assertThat(storage.getString("status")).isEqualTo("not_persisted");
    assertThat(storage.getString("reason")).startsWith("bucket error: ").endsWith("(retrying)");
    JsonObject ready = gw.get("/readyz").json();
    assertThat(ready.getString("store")).isEqualTo("degraded");
    assertThat(ready.getString("store_reason")).startsWith("images cannot be written to the bucket: bucket error: ");
    String metrics = gw.get("/metrics").body().toString();
    assertThat(metrics).contains("seedstream_store_failures_total{reason=\"bucket\"} 1.0")
      .containsPattern("seedstream_store_retries_total [1-9]");

    // Only for a one-off measurement (-Dseedstream.test.bucketOutageMs=30000): the suite does not wait.
    long outageMs = Long.getLong("seedstream.test.bucketOutageMs", 0L);
    if (outageMs > 0) {
      Thread.sleep(Math.max(0, outageMs - (System.nanoTime() - imageAt) / 1_000_000));
    }
    TestS3.server().start();
    long backAt = System.nanoTime();
    gw.settled(retried, 1);
    long storedAt = System.nanoTime();
    JsonObject stored = storage(gw, retried);
    assertThat(stored.getString("status")).as("the same image, uploaded again from its staged file").isEqualTo("stored");
    TestHttp.Response served = gw.get(HistoryFixture.images(during).get(0).getString("durable_url"));
    assertThat(served.status()).isEqualTo(200);
    assertThat(served.body().length()).isEqualTo(stored.getInteger("bytes"));
    System.out.printf("bucket outage of %d ms: the image stored %d ms after the bucket was back, %d ms after its event%n",
      (backAt - imageAt) / 1_000_000, (storedAt - backAt) / 1_000_000, (storedAt - imageAt) / 1_000_000);

    TestHttp.Response image = gw.get(HistoryFixture.images(before).get(0).getString("durable_url"));
    assertThat(image.status()).as("nothing stored before the outage is lost").isEqualTo(200);
    assertThat(gw.get("/readyz").json().getString("store")).isEqualTo("ok");
  }

  @Test
  @DisplayName("issue 23: with SEEDSTREAM_BLOB_REDIRECT, a stored image's durable URL is a 307 to a presigned URL that serves it")
  void redirectsToPresignedUrl() throws Exception {
    gw = new HistoryFixture(dataDir, Map.of("SEEDSTREAM_BLOB_REDIRECT", "true"), UnaryOperator.identity());
    List<SseEvent> events = gw.run(HistoryFixture.body("presigned", 1, ""));
    String id = HistoryFixture.jobId(events);
    gw.settled(id, 1);
    JsonObject stored = storage(gw, id);
    TestHttp.Response redirect = gw.get(HistoryFixture.images(events).get(0).getString("durable_url"));
    assertThat(redirect.status()).isEqualTo(307);
    assertThat(redirect.header("Cache-Control")).isEqualTo("no-store");
    String location = redirect.header("Location");
    assertThat(location).startsWith("http://127.0.0.1:" + TestS3.server().port + "/").contains("X-Amz-Signature=");
    HttpResponse<byte[]> object = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(location)).build(),
      HttpResponse.BodyHandlers.ofByteArray());
    assertThat(object.statusCode()).isEqualTo(200);
    assertThat(object.body()).hasSize(stored.getInteger("bytes"));
    assertThat(object.headers().firstValue("Content-Type")).contains("image/jpeg");
  }
}
