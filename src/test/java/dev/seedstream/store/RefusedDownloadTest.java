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
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A URL the store may not fetch (plain http from a host that is not the simulator) costs the job nothing. */
@DisplayName("Refused image downloads")
class RefusedDownloadTest {

  @TempDir
  Path dataDir;

  final Vertx vertx = Gateway.newVertx();

  @AfterEach
  void tearDown() {
    Await.result(vertx.close());
  }

  @Test
  @DisplayName("the job completes, the image is not_persisted with the reason, and its durable URL answers 404 with it, not a redirect")
  void refusedUrl() {
    FakeUpstream fake = Await.result(FakeUpstream.start(vertx));
    GatewayVerticle gateway = Await.result(TestGateway.start(vertx, TestGateway.config(fake.url(),
      Map.of("SEEDSTREAM_STORE_IMAGES", "true", "SEEDSTREAM_DATA_DIR", dataDir.toString()))));
    HttpClient http = vertx.createHttpClient();
    SseTestClient client = Await.result(SseTestClient.open(vertx, http, gateway.actualPort(), HttpMethod.POST,
      "/api/generations", null, Buffer.buffer(HistoryFixture.body("a gate", 1, ""))));
    String upstreamUrl = "http://198.51.100.7/img0.jpeg?X-Tos-Expires=86400";
    FakeExchange upstream = Await.result(fake.exchange(0));
    upstream.streamHead().image(0, upstreamUrl).completed(1).done().end();
    Await.result(client.ended());
    List<SseEvent> events = client.events();
    assertThat(events.get(events.size() - 1).event()).isEqualTo("completed");
    String id = HistoryFixture.jobId(events);
    Await.result(gateway.archive().settled(id, 0));

    TestHttp api = new TestHttp(vertx, http, gateway.actualPort());
    JsonObject storage = api.get("/api/generations/" + id).json().getJsonArray("images").getJsonObject(0)
      .getJsonObject("storage");
    assertThat(storage.getString("status")).isEqualTo("not_persisted");
    assertThat(storage.getString("reason")).isEqualTo("only https image URLs are downloaded");
    // The gateway sends no browser where it would not go itself: no redirect, and the answer says why.
    TestHttp.Response durable = api.get("/api/images/" + id + "/0");
    assertThat(durable.status()).isEqualTo(404);
    assertThat(durable.header("Location")).isNull();
    assertThat(durable.header("Cache-Control")).isEqualTo("no-store");
    assertThat(durable.json().getJsonObject("error").getString("message"))
      .contains("only https image URLs are downloaded").contains("not one the gateway redirects to");
  }
}
