package dev.seedstream.store;

import dev.seedstream.support.Await;
import dev.seedstream.support.SseTestClient;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A measurement, not a check: the time from an {@code image} event to the durable copy being served, on the
 * simulator, for each of the four stores (SQLite/PostgreSQL × files/S3). It prints the median and asserts no
 * timing; it runs only when asked, {@code -Dseedstream.measure=true}, so the suite does not pay for it.
 */
class DurableLatencyTest {

  private static final int IMAGES = 15;

  @ParameterizedTest(name = "{0} + {1}")
  @CsvSource({"sqlite, files", "postgresql, files", "sqlite, s3", "postgresql, s3"})
  @DisplayName("image event -> durable copy served, median over 15 images of 2048x2048")
  void medianLatency(String history, String blobs) throws Exception {
    Assumptions.assumeTrue(Boolean.getBoolean("seedstream.measure"), "a measurement: -Dseedstream.measure=true");
    Path dataDir = Files.createTempDirectory("seedstream-latency-");
    Map<String, String> env = new HashMap<>(Map.of("SEEDSTREAM_SIM_IMAGE_SCALE", "1"));
    if (history.equals("postgresql")) {
      env.put("SEEDSTREAM_DATABASE_URL", TestPostgres.urlFor(dataDir));
    }
    if (blobs.equals("s3")) {
      env.putAll(TestS3.envFor(dataDir));
    }
    HistoryFixture gw = new HistoryFixture(dataDir, env, UnaryOperator.identity());
    try {
      SseTestClient client = gw.open(HistoryFixture.body("latency", IMAGES, ",\"size\":\"2048x2048\""));
      String id = new JsonObject(Await.result(client.event(0)).event().data()).getString("id");
      List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
      List<Future<Void>> served = new ArrayList<>();
      for (int i = 0; i < IMAGES; i++) {
        int index = i;
        served.add(client.event(i + 1).compose(event -> gw.gateway.verticle().archive().settled(id, index)
          .compose(v -> gw.api.call(HttpMethod.GET, "/api/images/" + id + "/" + index, null, null))
          .map(response -> {
            assertThat(response.status()).isEqualTo(200);
            latencies.add(System.nanoTime() - event.atNanos());
            return null;
          })));
      }
      Await.result(client.ended(), 120_000);
      served.forEach(f -> Await.result(f, 60_000));
      List<Long> sorted = new ArrayList<>(latencies);
      Collections.sort(sorted);
      System.out.printf("image event -> durable copy served (%s + %s, %d x 2048x2048 JPEG): median %.1f ms, max %.1f ms%n",
        history, blobs, IMAGES, sorted.get(IMAGES / 2) / 1e6, sorted.get(IMAGES - 1) / 1e6);
    } finally {
      gw.close();
    }
  }
}
