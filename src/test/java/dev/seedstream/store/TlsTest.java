package dev.seedstream.store;

import dev.seedstream.Gateway;
import dev.seedstream.http.GatewayVerticle;
import dev.seedstream.sse.SseEvent;
import dev.seedstream.support.Await;
import dev.seedstream.support.FakeExchange;
import dev.seedstream.support.FakeUpstream;
import dev.seedstream.support.SseTestClient;
import dev.seedstream.support.TestGateway;
import dev.seedstream.support.TestHttp;
import dev.seedstream.support.TestImages;
import dev.seedstream.support.TestTls;
import dev.seedstream.upstream.NativeTls;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway's TLS, as production uses it: the upstream and the image hosts over https (a certificate the
 * tests' JVM trusts, as a user trusts a private CA), with BoringSSL where the build ships it.
 */
@DisplayName("TLS to the upstream and to image hosts")
class TlsTest {

  @TempDir
  Path dataDir;

  final Vertx vertx = Gateway.newVertx();

  @AfterEach
  void tearDown() {
    Await.result(vertx.close());
  }

  @Test
  @DisplayName("on Linux x86-64 the clients' TLS is BoringSSL, the library the build ships")
  void nativeEngineLoads() {
    if (System.getProperty("os.name").equals("Linux") && System.getProperty("os.arch").equals("amd64")) {
      assertThat(NativeTls.available()).as(NativeTls.describe()).isTrue();
      assertThat(NativeTls.describe()).startsWith("BoringSSL");
    }
  }

  @Test
  @DisplayName("a job streams from an https upstream, and its image is downloaded over https and stored byte for byte")
  void upstreamAndImageOverHttps() throws Exception {
    // Two 16 KiB TLS records' worth and more, so the download spans several records and network reads.
    byte[] jpeg = Base64.getDecoder().decode(TestImages.jpegBase64(300_000, 7));
    AtomicReference<String> cipher = new AtomicReference<>();
    HttpServer images = Await.result(vertx.createHttpServer(new HttpServerOptions().setSsl(true)
        .setKeyCertOptions(TestTls.serverKey()))
      .requestHandler(request -> {
        cipher.set(request.connection().sslSession().getCipherSuite());
        request.response().putHeader("Content-Type", "image/jpeg").end(Buffer.buffer(jpeg));
      })
      .listen(0, "127.0.0.1"));
    FakeUpstream fake = Await.result(FakeUpstream.startTls(vertx));
    assertThat(fake.url()).startsWith("https://");
    GatewayVerticle gateway = Await.result(TestGateway.start(vertx, TestGateway.config(fake.url(),
      Map.of("SEEDSTREAM_STORE_IMAGES", "true", "SEEDSTREAM_DATA_DIR", dataDir.toString(),
        "SEEDSTREAM_STORE_ALLOW_PRIVATE", "true"))));
    HttpClient http = vertx.createHttpClient();
    SseTestClient client = Await.result(SseTestClient.open(vertx, http, gateway.actualPort(), HttpMethod.POST,
      "/api/generations", null, Buffer.buffer(HistoryFixture.body("a lighthouse", 1, ""))));
    String imageUrl = "https://127.0.0.1:" + images.actualPort() + "/img0.jpeg?X-Tos-Expires=86400";
    FakeExchange upstream = Await.result(fake.exchange(0));
    upstream.streamHead().image(0, imageUrl).completed(1).done().end();
    Await.result(client.ended());
    List<SseEvent> events = client.events();
    assertThat(events).extracting(SseEvent::event).containsExactly("started", "image", "completed");
    assertThat(new JsonObject(events.get(1).data()).getString("url")).isEqualTo(imageUrl);
    String id = HistoryFixture.jobId(events);
    Await.result(gateway.archive().settled(id, 0));

    TestHttp api = new TestHttp(vertx, http, gateway.actualPort());
    JsonObject storage = api.get("/api/generations/" + id).json().getJsonArray("images").getJsonObject(0)
      .getJsonObject("storage");
    assertThat(storage.getString("status")).as(storage.encode()).isEqualTo("stored");
    TestHttp.Response stored = api.get("/api/images/" + id + "/0");
    assertThat(stored.status()).isEqualTo(200);
    assertThat(stored.body().getBytes()).isEqualTo(jpeg);
    assertThat(storage.encode()).contains(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(jpeg)));
    assertThat(cipher.get()).startsWith("TLS_");
  }
}
