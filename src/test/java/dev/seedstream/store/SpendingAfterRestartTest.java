package dev.seedstream.store;

import dev.seedstream.sse.SseEvent;
import dev.seedstream.support.Await;
import dev.seedstream.support.SseTestClient;
import dev.seedstream.support.TestHttp;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 26, items 3 and 4: the cost is kept with the job, and a budget's spending survives a restart. */
@DisplayName("Spending in the history")
class SpendingAfterRestartTest {

  static final String TOKEN = "token-for-alice-0123456789";
  static final Map<String, String> ENV = Map.of("SEEDSTREAM_TOKENS", "alice:" + TOKEN + ":daily=1USD,daily_images=3");

  @TempDir
  Path dataDir;

  static MultiMap bearer() {
    return MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer " + TOKEN);
  }

  static TestHttp.Response call(HistoryFixture gw, HttpMethod method, String path, String body) {
    return Await.result(gw.api.call(method, path, bearer(), body), 30_000);
  }

  @Test
  @DisplayName("the history lists each job's cost, and a restarted gateway still counts what the token spent today")
  void spendingSurvivesARestart() {
    HistoryFixture first = new HistoryFixture(dataDir, ENV, UnaryOperator.identity());
    SseTestClient stream = Await.result(SseTestClient.open(first.vertx, first.http, first.gateway.port(), HttpMethod.POST,
      "/api/generations", bearer(), Buffer.buffer(HistoryFixture.body("two foxes", 2, ""))));
    Await.result(stream.ended(), 60_000);
    List<SseEvent> events = stream.events();
    JsonObject completed = new JsonObject(events.get(events.size() - 1).data());
    assertThat(completed.getLong("generated_images")).isEqualTo(2);
    JsonObject cost = new JsonObject().put("currency", "USD").put("amount", 0.08);
    assertThat(completed.getJsonObject("cost")).isEqualTo(cost);
    // The history's row is written after the event: wait until the list shows the settled cost.
    Await.result(first.when(() -> cost.equals(call(first, HttpMethod.GET, "/api/generations", null).json()
      .getJsonArray("generations").getJsonObject(0).getJsonObject("cost"))), 30_000);
    first.close();

    HistoryFixture second = new HistoryFixture(dataDir, ENV, UnaryOperator.identity());
    try {
      TestHttp.Response refused = call(second, HttpMethod.POST, "/api/generations", HistoryFixture.body("two more", 2, ""));
      assertThat(refused.status()).isEqualTo(429);
      JsonObject error = refused.json().getJsonObject("error");
      assertThat(error.getString("code")).isEqualTo("budget_exceeded");
      assertThat(error.getJsonObject("remaining")).isEqualTo(new JsonObject().put("images", 1));
      assertThat(call(second, HttpMethod.POST, "/api/generations", HistoryFixture.body("one more", 1, "")).status())
        .isEqualTo(202);
    } finally {
      second.close();
    }
  }
}
