package dev.seedstream.store;

import dev.seedstream.sse.SseEvent;
import dev.seedstream.support.Await;
import dev.seedstream.support.SseTestClient;
import dev.seedstream.support.TestHttp;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Durable images end to end: the embedded simulator, the real gateway, a data dir of the test's own. */
@DisplayName("Durable images and history")
class DurableImagesTest {

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

  @Test
  @DisplayName("each image event names its durable URL, which serves the stored copy with ETag and immutable caching")
  void imagesAreStoredAndServed() throws Exception {
    HistoryFixture gw = gateway(Map.of());
    List<SseEvent> events = gw.run(HistoryFixture.body("two foxes", 2, ""));
    String id = HistoryFixture.jobId(events);
    List<JsonObject> images = HistoryFixture.images(events);
    assertThat(images).hasSize(2);
    assertThat(images.get(1).getString("durable_url")).isEqualTo("/api/images/" + id + "/1");
    gw.settled(id, 2);

    TestHttp.Response image = gw.get(images.get(0).getString("durable_url"));
    assertThat(image.status()).isEqualTo(200);
    byte[] bytes = image.body().getBytes();
    assertThat(image.header("Content-Type")).isEqualTo("image/jpeg");
    assertThat(image.header("ETag")).isEqualTo("\"" + sha256(bytes) + "\"");
    assertThat(image.header("Cache-Control")).isEqualTo("public, max-age=31536000, immutable");
    assertThat(image.header("X-Content-Type-Options")).isEqualTo("nosniff");
    assertThat(bytes).isEqualTo(download(gw, images.get(0).getString("url")));
    assertThat(gw.get(images.get(0).getString("durable_url"), "If-None-Match", image.header("ETag")).status()).isEqualTo(304);

    JsonObject snapshot = gw.get("/api/generations/" + id).json();
    JsonObject first = snapshot.getJsonArray("images").getJsonObject(0);
    assertThat(first.getString("durable_url")).isEqualTo("/api/images/" + id + "/0");
    assertThat(first.getJsonObject("storage").getString("status")).isEqualTo("stored");
    assertThat(first.getJsonObject("storage").getString("sha256")).isEqualTo(sha256(bytes));
  }

  @Test
  @DisplayName("issue 20 item 6: with SEEDSTREAM_PUBLIC_URL, durable URLs in events, snapshots and the history are absolute")
  void publicDurableUrls() {
    HistoryFixture gw = gateway(Map.of("SEEDSTREAM_PUBLIC_URL", "https://img.example.com"));
    List<SseEvent> events = gw.run(HistoryFixture.body("an absolute owl", 1, ""));
    String id = HistoryFixture.jobId(events);
    String expected = "https://img.example.com/api/images/" + id + "/0";
    assertThat(HistoryFixture.images(events).get(0).getString("durable_url")).isEqualTo(expected);
    gw.settled(id, 1);
    assertThat(gw.get("/api/generations/" + id).json().getJsonArray("images").getJsonObject(0).getString("durable_url"))
      .isEqualTo(expected);
    assertThat(gw.get("/api/generations").json().getJsonArray("generations").getJsonObject(0).getJsonArray("images")
      .getJsonObject(0).getString("durable_url")).isEqualTo(expected);
  }

  @Test
  @DisplayName("issue 20 item 17: /metrics counts stored images and those in flight, after a garbage collection too")
  void metricsCountStoredImages() throws Exception {
    HistoryFixture gw = gateway(Map.of());
    String id = HistoryFixture.jobId(gw.run(HistoryFixture.body("three owls", 3, "")));
    gw.settled(id, 3);
    // The meters' state objects were held only weakly: a collection made them read 0 and NaN.
    System.gc();
    String metrics = gw.get("/metrics").body().toString();
    assertThat(metrics).contains("seedstream_images_stored_total 3.0").contains("seedstream_images_storing 0.0")
      .contains("seedstream_store_failures_total{reason=\"disk\"} 0.0").doesNotContain("NaN");
  }

  @Test
  @DisplayName("a restart on the same data dir keeps the history and the images; a job cut off is marked interrupted")
  void restartKeepsHistory() throws Exception {
    HistoryFixture before = gateway(Map.of());
    List<SseEvent> done = before.run(HistoryFixture.body("a lighthouse", 2, ""));
    String doneId = HistoryFixture.jobId(done);
    before.settled(doneId, 2);
    byte[] original = before.get("/api/images/" + doneId + "/1").body().getBytes();

    before.gateway.simulator().holdImages(true);
    io.vertx.core.Promise<Void> waiting = io.vertx.core.Promise.promise();
    before.gateway.simulator().imageWaitingListener(waiting::tryComplete);
    SseTestClient running = before.open(HistoryFixture.body("a storm", 3, ""));
    String runningId = new JsonObject(Await.result(running.event(0)).event().data()).getString("id");
    Await.result(waiting.future());
    before.gateway.simulator().releaseNext();
    Await.result(running.event(1));
    before.settled(runningId, 1);

    // The first process is left as it is, as after a crash; a second one opens the same data dir.
    HistoryFixture after = gateway(Map.of());
    JsonObject past = after.get("/api/generations/" + doneId).json();
    assertThat(past.getString("status")).isEqualTo("completed");
    assertThat(past.getString("prompt")).isEqualTo("a lighthouse");
    assertThat(past.getJsonArray("images")).hasSize(2);
    assertThat(after.get("/api/images/" + doneId + "/1").body().getBytes()).isEqualTo(original);

    JsonObject cutOff = after.get("/api/generations/" + runningId).json();
    // With a shared PostgreSQL history the first gateway, left running, still holds its job: only a stopped
    // gateway's jobs are interrupted (a crash of a gateway there is not simulated here).
    org.junit.jupiter.api.Assumptions.assumeFalse(TestPostgres.enabled());
    assertThat(cutOff.getString("status")).isEqualTo("interrupted");
    assertThat(cutOff.getJsonArray("images").getJsonObject(0).getJsonObject("storage").getString("status"))
      .isEqualTo("stored");
    assertThat(after.get("/api/images/" + runningId + "/0").status()).isEqualTo(200);
    assertThat(after.get("/api/generations").json().getJsonArray("generations")).extracting(g -> ((JsonObject) g).getString("id"))
      .containsExactly(runningId, doneId);
  }

  @Test
  @DisplayName("after the upstream URL has expired (403), the durable URL still serves the image")
  void expiredUpstreamUrl() throws Exception {
    HistoryFixture gw = new HistoryFixture(dataDir, Map.of(), options -> options.withUrlTtlMs(1500));
    started.add(gw);
    List<SseEvent> events = gw.run(HistoryFixture.body("an hourglass", 1, ""));
    String id = HistoryFixture.jobId(events);
    JsonObject image = HistoryFixture.images(events).get(0);
    gw.settled(id, 1);
    byte[] stored = gw.get(image.getString("durable_url")).body().getBytes();

    Await.result(gw.when(() -> gw.statusOf(image.getString("url")) == 403), 15_000);
    TestHttp.Response later = gw.get(image.getString("durable_url"));
    assertThat(later.status()).isEqualTo(200);
    assertThat(later.body().getBytes()).isEqualTo(stored);
  }

  @Test
  @DisplayName("a b64_json image is decoded, stored and served")
  void base64ImageIsStored() throws Exception {
    HistoryFixture gw = gateway(Map.of());
    List<SseEvent> events = gw.run(HistoryFixture.body("a kite", 1, ",\"response_format\":\"b64_json\""));
    String id = HistoryFixture.jobId(events);
    JsonObject image = HistoryFixture.images(events).get(0);
    byte[] inline = Base64.getDecoder().decode(image.getString("b64_json"));
    // Asked at once: the durable URL waits the moment it takes to write an inline image.
    TestHttp.Response served = gw.get(image.getString("durable_url"));
    assertThat(served.status()).isEqualTo(200);
    assertThat(served.body().getBytes()).isEqualTo(inline);
    assertThat(served.header("ETag")).isEqualTo("\"" + sha256(inline) + "\"");
  }

  @Test
  @DisplayName("Range requests return exactly the bytes asked for; an unsatisfiable one is 416")
  void rangeRequests() {
    HistoryFixture gw = gateway(Map.of());
    List<SseEvent> events = gw.run(HistoryFixture.body("a ruler", 1, ""));
    String url = HistoryFixture.images(events).get(0).getString("durable_url");
    gw.settled(HistoryFixture.jobId(events), 1);
    byte[] whole = gw.get(url).body().getBytes();

    TestHttp.Response middle = gw.get(url, "Range", "bytes=10-99");
    assertThat(middle.status()).isEqualTo(206);
    assertThat(middle.header("Content-Range")).isEqualTo("bytes 10-99/" + whole.length);
    assertThat(middle.body().getBytes()).isEqualTo(Arrays.copyOfRange(whole, 10, 100));
    TestHttp.Response tail = gw.get(url, "Range", "bytes=-7");
    assertThat(tail.body().getBytes()).isEqualTo(Arrays.copyOfRange(whole, whole.length - 7, whole.length));
    TestHttp.Response open = gw.get(url, "Range", "bytes=" + (whole.length - 3) + "-");
    assertThat(open.body().getBytes()).isEqualTo(Arrays.copyOfRange(whole, whole.length - 3, whole.length));
    TestHttp.Response beyond = gw.get(url, "Range", "bytes=" + whole.length + "-");
    assertThat(beyond.status()).isEqualTo(416);
    assertThat(beyond.header("Content-Range")).isEqualTo("bytes */" + whole.length);
  }

  @Test
  @DisplayName("the zip holds every stored image, byte for byte, under its index")
  void zipHoldsTheImages() throws Exception {
    HistoryFixture gw = gateway(Map.of());
    List<SseEvent> events = gw.run(HistoryFixture.body("three pears", 3, ""));
    String id = HistoryFixture.jobId(events);
    gw.settled(id, 3);
    TestHttp.Response zip = gw.get("/api/generations/" + id + "/images.zip");
    assertThat(zip.status()).isEqualTo(200);
    assertThat(zip.header("Content-Type")).isEqualTo("application/zip");
    assertThat(zip.header("Content-Length")).isEqualTo(String.valueOf(zip.body().length()));
    Map<String, byte[]> entries = unzip(zip.body().getBytes());
    assertThat(entries.keySet()).containsExactly("seedstream-01.jpeg", "seedstream-02.jpeg", "seedstream-03.jpeg");
    for (int i = 0; i < 3; i++) {
      assertThat(entries.get(String.format("seedstream-%02d.jpeg", i + 1)))
        .isEqualTo(gw.get("/api/images/" + id + "/" + i).body().getBytes());
    }
    assertThat(gw.get("/api/generations/nope/images.zip").status()).isEqualTo(404);
  }

  @Test
  @DisplayName("when the image directory cannot be written, the job still completes and its images are not_persisted")
  void unwritableDataDir() throws Exception {
    // Tests run as root, for whom chmod alone does not stop writes: a read-only FILE stands where the image
    // directory must be, so every write under it fails whoever runs the test.
    Path images = Files.writeString(dataDir.resolve("images"), "not a directory");
    Files.setPosixFilePermissions(images, PosixFilePermissions.fromString("r--r--r--"));
    HistoryFixture gw = gateway(Map.of());
    List<SseEvent> events = gw.run(HistoryFixture.body("a paper boat", 2, ""));
    assertThat(events.get(events.size() - 1).event()).isEqualTo("completed");
    String id = HistoryFixture.jobId(events);
    gw.settled(id, 2);

    JsonObject snapshot = gw.get("/api/generations/" + id).json();
    JsonObject storage = snapshot.getJsonArray("images").getJsonObject(0).getJsonObject("storage");
    assertThat(storage.getString("status")).isEqualTo("not_persisted");
    assertThat(storage.getString("reason")).contains("disk error");
    TestHttp.Response durable = gw.get("/api/images/" + id + "/0");
    assertThat(durable.status()).as("the upstream URL is still valid").isEqualTo(307);
    assertThat(durable.header("Location")).isEqualTo(HistoryFixture.images(events).get(0).getString("url"));
    assertThat(gw.get("/api/generations").json().getJsonObject("store").getLong("not_persisted")).isEqualTo(2);
    assertThat(gw.get("/metrics").body().toString()).contains("seedstream_images_not_persisted_total 2.0");
  }

  @Test
  @DisplayName("history pages newest first with a cursor; DELETE of a finished job removes it and its images")
  void pagesAndDelete() {
    HistoryFixture gw = gateway(Map.of());
    List<String> ids = new ArrayList<>();
    for (String prompt : List.of("one", "two", "three")) {
      List<SseEvent> events = gw.run(HistoryFixture.body(prompt, 1, ""));
      ids.add(HistoryFixture.jobId(events));
      gw.settled(ids.get(ids.size() - 1), 1);
    }
    JsonObject first = gw.get("/api/generations?limit=2").json();
    assertThat(ids(first.getJsonArray("generations"))).containsExactly(ids.get(2), ids.get(1));
    assertThat(first.getJsonArray("generations").getJsonObject(0).getJsonObject("params").getString("prompt")).isEqualTo("three");
    JsonObject second = gw.get("/api/generations?limit=2&before=" + first.getString("next_before")).json();
    assertThat(ids(second.getJsonArray("generations"))).containsExactly(ids.get(0));
    assertThat(second.getValue("next_before")).isNull();
    assertThat(gw.get("/api/generations?before=unknown").status()).isEqualTo(400);
    assertThat(gw.get("/api/generations?limit=0").status()).isEqualTo(400);

    String sha = gw.get("/api/generations/" + ids.get(0)).json().getJsonArray("images").getJsonObject(0)
      .getJsonObject("storage").getString("sha256");
    assertThat(Await.result(gw.api.call(io.vertx.core.http.HttpMethod.DELETE, "/api/generations/" + ids.get(0), null, null)).status())
      .isEqualTo(204);
    assertThat(gw.get("/api/generations/" + ids.get(0)).status()).isEqualTo(404);
    assertThat(gw.get("/api/images/" + ids.get(0) + "/0").status()).isEqualTo(404);
    assertThat(dataDir.resolve("images").resolve(sha.substring(0, 2)).resolve(sha + ".jpeg")).doesNotExist();
    assertThat(ids(gw.get("/api/generations").json().getJsonArray("generations"))).containsExactly(ids.get(2), ids.get(1));
  }

  @Test
  @DisplayName("retention by total bytes removes the oldest jobs first, at start-up")
  void retentionRemovesOldestFirst() {
    HistoryFixture first = gateway(Map.of());
    List<String> ids = new ArrayList<>();
    List<Long> sizes = new ArrayList<>();
    for (String prompt : List.of("oldest", "middle", "newest")) {
      List<SseEvent> events = first.run(HistoryFixture.body(prompt, 1, ""));
      ids.add(HistoryFixture.jobId(events));
      first.settled(ids.get(ids.size() - 1), 1);
      sizes.add((long) first.get("/api/images/" + ids.get(ids.size() - 1) + "/0").body().length());
    }
    first.close();
    started.remove(first);

    long budget = sizes.get(1) + sizes.get(2);
    HistoryFixture restarted = gateway(Map.of("SEEDSTREAM_STORE_MAX_BYTES", String.valueOf(budget)));
    assertThat(ids(restarted.get("/api/generations").json().getJsonArray("generations")))
      .containsExactly(ids.get(2), ids.get(1));
    assertThat(restarted.get("/api/images/" + ids.get(0) + "/0").status()).isEqualTo(404);
    assertThat(restarted.get("/api/images/" + ids.get(1) + "/0").status()).isEqualTo(200);
  }

  static List<String> ids(JsonArray generations) {
    return generations.stream().map(g -> ((JsonObject) g).getString("id")).toList();
  }

  static byte[] download(HistoryFixture gw, String url) {
    return Await.result(dev.seedstream.support.TestHttp.onContext(gw.vertx, () -> gw.http.request(
      new io.vertx.core.http.RequestOptions().setAbsoluteURI(url)).compose(r -> r.send()).compose(r -> r.body())))
      .getBytes();
  }

  static Map<String, byte[]> unzip(byte[] zip) throws IOException {
    Map<String, byte[]> entries = new LinkedHashMap<>();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
      for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
        assertThat(entry.getMethod()).isEqualTo(ZipEntry.STORED);
        entries.put(entry.getName(), in.readAllBytes());
      }
    }
    return entries;
  }

  static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
