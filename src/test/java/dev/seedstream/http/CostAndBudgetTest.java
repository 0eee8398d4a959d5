package dev.seedstream.http;

import dev.seedstream.sse.SseEvent;
import dev.seedstream.support.Await;
import dev.seedstream.support.FakeExchange;
import dev.seedstream.support.GatewayTestBase;
import dev.seedstream.support.SseTestClient;
import dev.seedstream.support.TestHttp;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 26, items 1-4: prices in the catalogue, the estimate in money, the actual cost, budgets per token. */
@DisplayName("Cost and budgets")
class CostAndBudgetTest extends GatewayTestBase {

  static final String V45 = "doubao-seedream-4-5-251128";
  static final String TOKEN = "token-for-alice-0123456789";

  static String group(int images) {
    return "{\"model\":\"" + V45 + "\",\"prompt\":\"a fox\",\"sequential_image_generation\":\"auto\","
      + "\"sequential_image_generation_options\":{\"max_images\":" + images + "}}";
  }

  static MultiMap bearer() {
    return MultiMap.caseInsensitiveMultiMap().add("Authorization", "Bearer " + TOKEN);
  }

  TestHttp.Response post(String path, String body) {
    return Await.result(api.call(HttpMethod.POST, path, bearer(), body));
  }

  /** Runs one job over its event stream: the fake generates {@code images} images and completes. */
  List<SseEvent> run(String body, int images) {
    int n = fake.requestCount();
    SseTestClient stream = Await.result(SseTestClient.open(vertx, http, port, HttpMethod.POST, "/api/generations",
      bearer(), Buffer.buffer(body)));
    FakeExchange upstream = Await.result(fake.exchange(n));
    upstream.streamHead();
    for (int i = 0; i < images; i++) {
      upstream.image(i, "https://tos.example.com/" + i + ".jpeg");
    }
    upstream.completed(images).done().end();
    Await.result(stream.ended());
    return stream.events();
  }

  @Test
  @DisplayName("1: the catalogue prices each model, with its currency, source and date, and serves the prices")
  void pricesInTheCatalogue() {
    startGateway(Map.of());
    JsonObject price = api.get("/api/models").json().getJsonObject("models").getJsonObject(V45).getJsonObject("price");
    assertThat(price.getString("currency")).isEqualTo("USD");
    assertThat(price.getDouble("per_image")).isEqualTo(0.04);
    assertThat(price.getString("source")).contains("verify with your provider");
    assertThat(price.getString("read_on")).matches("\\d{4}-\\d{2}-\\d{2}");
  }

  @Test
  @DisplayName("2: the dry run and the 202 carry estimate.cost, the worst case from max_images")
  void estimateInMoney() {
    startGateway(Map.of());
    JsonObject dry = api.post("/api/generations?dry_run=true", group(3)).json().getJsonObject("estimate");
    assertThat(dry.getJsonObject("cost")).isEqualTo(new JsonObject().put("currency", "USD").put("max", 0.12));
    TestHttp.Response accepted = api.post("/api/generations", group(3));
    assertThat(accepted.status()).isEqualTo(202);
    assertThat(accepted.json().getJsonObject("estimate").getJsonObject("cost").getDouble("max")).isEqualTo(0.12);
  }

  @Test
  @DisplayName("3: the actual cost follows the upstream's usage: in completed, the snapshot and /metrics per model and token")
  void actualCost() {
    startGateway(Map.of("SEEDSTREAM_TOKENS", "alice:" + TOKEN));
    List<SseEvent> events = run(group(3), 2);
    JsonObject completed = new JsonObject(events.get(events.size() - 1).data());
    assertThat(completed.getJsonObject("cost")).isEqualTo(new JsonObject().put("currency", "USD").put("amount", 0.08));
    String id = new JsonObject(events.get(0).data()).getString("id");
    JsonObject snapshot = Await.result(api.call(HttpMethod.GET, "/api/generations/" + id, bearer(), null)).json();
    assertThat(snapshot.getJsonObject("cost").getDouble("amount")).isEqualTo(0.08);
    String metrics = Await.result(api.call(HttpMethod.GET, "/metrics", bearer(), null)).body().toString();
    assertThat(metrics).containsPattern("seedstream_cost_total\\{[^}]*client=\"alice\"[^}]*currency=\"USD\"[^}]*model=\""
      + V45 + "\"[^}]*} 0\\.08");
  }

  @Test
  @DisplayName("4: over a token's daily cap the request is refused before the paid call, naming what is left and when")
  void budgetRefusal() {
    startGateway(Map.of("SEEDSTREAM_TOKENS", "alice:" + TOKEN + ":daily=0.12USD,monthly_images=100"));
    run(group(2), 1); // reserves its worst case, 0.08, and settles to what it cost, 0.04
    run(group(2), 1); // fits only because the first one settled: 0.04 + 0.08; then 0.08 spent
    int calls = fake.requestCount();
    TestHttp.Response refused = post("/api/generations", group(2));
    assertThat(refused.status()).isEqualTo(429);
    JsonObject error = refused.json().getJsonObject("error");
    assertThat(error.getString("code")).isEqualTo("budget_exceeded");
    assertThat(error.getJsonObject("remaining").getDouble("amount")).isEqualTo(0.04);
    Instant resets = Instant.parse(error.getString("resets_at"));
    assertThat(resets).isAfter(Instant.now());
    assertThat(Long.parseLong(refused.header("Retry-After"))).isPositive();
    assertThat(fake.requestCount()).isEqualTo(calls);
    // The dry run still answers: it costs nothing.
    assertThat(post("/api/generations?dry_run=true", group(2)).status()).isEqualTo(200);
    // What is left still buys a smaller request.
    assertThat(post("/api/generations", group(1)).status()).isEqualTo(202);
  }

  @Test
  @DisplayName("4: the drop-in endpoint spends from the same budget: its worst case is reserved before the call")
  void dropInSpendsTheBudget() {
    startGateway(Map.of("SEEDSTREAM_TOKENS", "alice:" + TOKEN + ":daily=0.12USD"));
    String twoImages = group(2).substring(0, group(2).length() - 1) + ",\"stream\":false}";
    // A /v1 call the upstream answers 2xx is settled at its worst case (0.08): the relay does not read usage.
    fake.autoScript(ex -> ex.response().putHeader("Content-Type", "application/json")
      .end("{\"model\":\"" + V45 + "\",\"created\":1,\"data\":[{\"url\":\"https://tos.example.com/0.jpeg\"}],"
        + "\"usage\":{\"generated_images\":1,\"output_tokens\":16384,\"total_tokens\":16384}}"));
    assertThat(post("/v1/images/generations", twoImages).status()).isEqualTo(200);
    int calls = fake.requestCount();
    TestHttp.Response refused = post("/v1/images/generations", twoImages);
    assertThat(refused.status()).isEqualTo(429);
    assertThat(refused.header("Retry-After")).isNotBlank();
    assertThat(fake.requestCount()).as("refused before the paid call").isEqualTo(calls);
    // An upstream refusal (4xx) costs nothing: a refused call gives its reservation back.
    fake.autoScript(ex -> ex.error(400, "{\"error\":{\"code\":\"InvalidParameter\",\"message\":\"no\"}}", null));
    TestHttp.Response oneImage = post("/v1/images/generations", group(1).substring(0, group(1).length() - 1) + ",\"stream\":false}");
    assertThat(oneImage.status()).isEqualTo(400);
    assertThat(post("/api/generations?dry_run=true", group(1)).status()).isEqualTo(200);
  }
}
