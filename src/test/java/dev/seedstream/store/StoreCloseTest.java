package dev.seedstream.store;

import dev.seedstream.support.Await;
import dev.seedstream.support.FakeExchange;
import dev.seedstream.support.GatewayTestBase;
import dev.seedstream.support.LogCapture;
import dev.seedstream.support.SseTestClient;
import dev.seedstream.support.TestImages;
import dev.seedstream.support.TestTls;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Stopping the gateway while an image is being downloaded leaves nothing behind in the data directory. */
@DisplayName("Closing the image store")
class StoreCloseTest extends GatewayTestBase {

  @TempDir
  Path dataDir;

  @Test
  @DisplayName("a download cut off by shutdown leaves no temporary file once the gateway has stopped, and the next start keeps the image")
  void downloadInFlight() {
    byte[] jpeg = Base64.getDecoder().decode(TestImages.jpegBase64(300_000, 3));
    Promise<Void> halfSent = Promise.promise();
    AtomicInteger requests = new AtomicInteger();
    // The first request gets the head and half the image, then nothing: the download is in flight until the
    // gateway stops. The next start's gets it whole.
    HttpServer images = Await.result(vertx.createHttpServer(new HttpServerOptions().setSsl(true)
        .setKeyCertOptions(TestTls.serverKey()))
      .requestHandler(request -> {
        HttpServerResponse response = request.response().putHeader("Content-Type", "image/jpeg")
          .putHeader("Content-Length", String.valueOf(jpeg.length));
        if (requests.incrementAndGet() == 1) {
          response.write(Buffer.buffer(jpeg).slice(0, jpeg.length / 2)).onSuccess(halfSent::tryComplete);
        } else {
          response.end(Buffer.buffer(jpeg));
        }
      })
      .listen(0, "127.0.0.1"));
    Map<String, String> store = Map.of("SEEDSTREAM_STORE_IMAGES", "true", "SEEDSTREAM_DATA_DIR", dataDir.toString(),
      "SEEDSTREAM_STORE_ALLOW_PRIVATE", "true");
    startGateway(store);
    SseTestClient client = Await.result(SseTestClient.open(vertx, http, port, HttpMethod.POST,
      "/api/generations", null, Buffer.buffer(HistoryFixture.body("a cut-off fox", 1, ""))));
    FakeExchange upstream = Await.result(fake.exchange(0));
    upstream.streamHead().image(0, "https://127.0.0.1:" + images.actualPort() + "/img0.jpeg?X-Tos-Expires=86400")
      .completed(1).done().end();
    Await.result(client.ended());
    Await.result(halfSent.future());
    // The first bytes reach the disk on the store's own thread.
    Await.result(Await.condition(vertx, () -> partFiles().anyMatch(this::hasBytes)));

    LogCapture log = new LogCapture().start();
    try {
      Await.result(vertx.undeploy(gateway.deploymentID()), 20_000);
    } finally {
      log.stop();
    }
    assertThat(log.lines()).as("an image cut off by the shutdown is no failure to report").noneMatch(line -> line.contains("not persisted"));

    assertThat(partFiles().toList()).as("temporary files left once the gateway has stopped").isEmpty();

    // The image was not given up on: its pending row is still there, and the next start downloads it again.
    String id = HistoryFixture.jobId(client.events());
    startGateway(store);
    Await.result(gateway.archive().settled(id, 0), 30_000);
    JsonObject storage = api.get("/api/generations/" + id).json()
      .getJsonArray("images").getJsonObject(0).getJsonObject("storage");
    assertThat(storage.getString("status")).as(storage.encode()).isEqualTo("stored");
    assertThat(requests.get()).isEqualTo(2);
  }

  @Test
  @DisplayName("an inline image still waiting for a slot when the store closes gives its event bytes back to the pool")
  void inlineImageWaitingAtClose() throws Exception {
    startGateway(Map.of("SEEDSTREAM_STORE_IMAGES", "true", "SEEDSTREAM_DATA_DIR", dataDir.toString(),
      "SEEDSTREAM_STORE_CONCURRENCY", "1", "SEEDSTREAM_RETENTION_MS", "300"));
    ImageArchive archive = gateway.archive();
    // The store's one worker is held: the first image's decode waits for it, the second for a slot.
    CountDownLatch release = new CountDownLatch(1);
    archive.context.executeBlocking(() -> release.await(30, TimeUnit.SECONDS), false);
    String first = TestImages.jpegBase64(1 << 20, 1);
    String second = TestImages.jpegBase64(1 << 20, 2);
    fake.autoScript(ex -> ex.streamHead()
      .event("image_generation.partial_succeeded", new JsonObject().put("image_index", 0).put("b64_json", first).put("size", "2048x2048"))
      .event("image_generation.partial_succeeded", new JsonObject().put("image_index", 1).put("b64_json", second).put("size", "2048x2048"))
      .completed(2).done().end());
    SseTestClient client = Await.result(SseTestClient.open(vertx, http, port, HttpMethod.POST, "/api/generations", null,
      Buffer.buffer(HistoryFixture.body("two kites", 2, ",\"response_format\":\"b64_json\""))));
    Await.result(client.ended(), 15_000);
    awaitTrue(() -> metrics().contains("seedstream_store_backlog 1.0"));

    Future<Void> closed = archive.close();
    release.countDown();
    Await.result(closed, 20_000);
    // The job itself is dropped after its 300 ms: then no hold on the events' blocks is left.
    awaitTrue(() -> metrics().contains("seedstream_event_blocks_used_bytes 0.0"));
  }

  private String metrics() {
    return api.get("/metrics").body().toString();
  }

  private static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + 15_000_000_000L;
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("condition not met within 15 s").isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  private Stream<Path> partFiles() {
    Path incoming = dataDir.resolve("images").resolve(".incoming");
    if (!Files.isDirectory(incoming)) {
      return Stream.empty();
    }
    try (Stream<Path> listed = Files.list(incoming)) {
      return listed.toList().stream();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private boolean hasBytes(Path file) {
    try {
      return Files.size(file) > 0;
    } catch (IOException e) {
      return false;
    }
  }
}
