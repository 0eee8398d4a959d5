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

  @Test
  @DisplayName("issue 23: the bucket down while running: the image is relayed, marked not_persisted with the reason, "
    + "counted and reported by /readyz; what was stored before still serves once it is back")
  void bucketDown() throws Exception {
    gw = new HistoryFixture(dataDir);
    List<SseEvent> before = gw.run(HistoryFixture.body("before the outage", 1, ""));
    String kept = HistoryFixture.jobId(before);
    gw.settled(kept, 1);
    assertThat(storage(gw, kept).getString("status")).isEqualTo("stored");

    TestS3.server().stop();
    List<SseEvent> during = gw.run(HistoryFixture.body("during the outage", 1, ""));
    assertThat(HistoryFixture.images(during)).as("the relay goes on without the bucket").hasSize(1);
    assertThat(during.get(during.size() - 1).event()).isEqualTo("completed");
    String lost = HistoryFixture.jobId(during);
    gw.settled(lost, 1);
    JsonObject storage = storage(gw, lost);
    assertThat(storage.getString("status")).isEqualTo("not_persisted");
    assertThat(storage.getString("reason")).startsWith("bucket error: ");
    JsonObject ready = gw.get("/readyz").json();
    assertThat(ready.getString("store")).isEqualTo("degraded");
    assertThat(ready.getString("store_reason")).startsWith("images cannot be written to the bucket: bucket error: ");
    assertThat(gw.get("/metrics").body().toString()).contains("seedstream_store_failures_total{reason=\"bucket\"} 1.0");

    TestS3.server().start();
    TestHttp.Response image = gw.get(HistoryFixture.images(before).get(0).getString("durable_url"));
    assertThat(image.status()).as("nothing stored before the outage is lost").isEqualTo(200);
    List<SseEvent> after = gw.run(HistoryFixture.body("after the outage", 1, ""));
    gw.settled(HistoryFixture.jobId(after), 1);
    assertThat(storage(gw, HistoryFixture.jobId(after)).getString("status")).isEqualTo("stored");
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
