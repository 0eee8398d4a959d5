package dev.seedstream;

import dev.seedstream.support.Await;
import dev.seedstream.support.FakeExchange;
import dev.seedstream.support.FakeUpstream;
import dev.seedstream.support.GatewayProcess;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 27: the real process, its upstream key rotated with SIGHUP while a stream runs. */
@DisplayName("SIGHUP: the upstream pool and its keys are read again without dropping a stream")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ProcessReloadTest {

  private static final String OLD_KEY = "sk-process-old-key-0000000000";
  private static final String NEW_KEY = "sk-process-new-key-1111111111";
  private static final String BODY = "{\"model\":\"doubao-seedream-4-5-251128\",\"prompt\":\"a fox\"}";

  @TempDir
  Path dir;

  @Test
  @DisplayName("the running stream finishes on the old key; the next job uses the new one")
  void sighupRotatesTheKey() throws Exception {
    Vertx vertx = Gateway.newVertx();
    FakeUpstream fake = Await.result(FakeUpstream.start(vertx));
    Path key = dir.resolve("key");
    Files.writeString(key, OLD_KEY);
    Path pool = dir.resolve("upstreams.json");
    Files.writeString(pool, new JsonObject().put("upstreams", new JsonArray().add(new JsonObject().put("name", "only")
      .put("url", fake.url()).put("key_file", key.toString()))).encode());

    GatewayProcess gateway = GatewayProcess.start("reload", Map.of("SEEDSTREAM_UPSTREAMS", pool.toString(),
      "SEEDSTREAM_STORE_IMAGES", "false"));
    try {
      int port = gateway.port();
      HttpClient http = HttpClient.newHttpClient();
      HttpRequest post = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/generations"))
        .header("Accept", "text/event-stream").POST(HttpRequest.BodyPublishers.ofString(BODY)).build();

      Iterator<String> running = http.send(post, HttpResponse.BodyHandlers.ofLines()).body().iterator();
      FakeExchange old = Await.result(fake.exchange(0));
      old.streamHead().image(0, "https://tos.example.com/0.jpeg");
      readUntil(running, "event: image");

      Files.writeString(key, NEW_KEY);
      gateway.hangUp();
      gateway.awaitLog("SIGHUP: upstream pool read again", Duration.ofSeconds(10));

      old.completed(1).done().end();
      readUntil(running, "event: completed");
      assertThat(old.headers().get("Authorization")).isEqualTo("Bearer " + OLD_KEY);

      fake.autoScript(exchange -> exchange.streamHead().image(0, "https://tos.example.com/0.jpeg").completed(1).done().end());
      readUntil(http.send(post, HttpResponse.BodyHandlers.ofLines()).body().iterator(), "event: completed");
      assertThat(Await.result(fake.exchange(1)).headers().get("Authorization")).isEqualTo("Bearer " + NEW_KEY);
    } finally {
      gateway.close();
      Await.result(vertx.close());
    }
  }

  private static void readUntil(Iterator<String> lines, String wanted) {
    while (lines.hasNext()) {
      if (lines.next().startsWith(wanted)) {
        return;
      }
    }
    throw new AssertionError("the stream ended before " + wanted);
  }
}
