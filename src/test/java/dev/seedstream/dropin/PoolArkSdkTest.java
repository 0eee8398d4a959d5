package dev.seedstream.dropin;

import com.volcengine.ark.runtime.model.images.generation.GenerateImagesRequest;
import com.volcengine.ark.runtime.model.images.generation.ImageGenStreamEvent;
import com.volcengine.ark.runtime.model.images.generation.ImagesResponse;
import com.volcengine.ark.runtime.service.ArkService;
import dev.seedstream.Gateway;
import dev.seedstream.support.Await;
import dev.seedstream.support.FakeUpstream;
import dev.seedstream.support.TestGateway;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import okhttp3.ConnectionPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Issue 27: the official Ark SDK through {@code /v1}, served by the pool's second upstream when the first cannot. */
@DisplayName("Drop-in: the Ark SDK served by the pool's second upstream")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PoolArkSdkTest {

  static final String MODEL = ArkSdkGatewayTest.MODEL;
  static final String SECOND_KEY = "ark-second-key-0123456789abcdef";

  Vertx vertx;
  FakeUpstream first;
  FakeUpstream second;
  ArkService ark;
  final ConnectionPool connections = new ConnectionPool();

  @BeforeEach
  void setUp() {
    vertx = Gateway.newVertx();
    first = Await.result(FakeUpstream.start(vertx));
    second = Await.result(FakeUpstream.start(vertx));
    String pool = new JsonObject().put("upstreams", new JsonArray()
      .add(new JsonObject().put("name", "dmxapi").put("url", first.url()).put("key_env", "FIRST_KEY"))
      .add(new JsonObject().put("name", "ark").put("url", second.url()).put("key_env", "SECOND_KEY").put("priority", 1))).encode();
    int port = Await.result(TestGateway.start(vertx, TestGateway.config("http://127.0.0.1:9/unused",
      Map.of("SEEDSTREAM_UPSTREAMS", pool, "FIRST_KEY", "sk-first-key-0123456789", "SECOND_KEY", SECOND_KEY)))).actualPort();
    ark = ArkService.builder().apiKey("any-key-the-gateway-ignores").baseUrl("http://127.0.0.1:" + port + "/v1/")
      .connectionPool(connections).retryTimes(0).build();
  }

  @AfterEach
  void tearDown() {
    ark.shutdownExecutor();
    connections.evictAll();
    Await.result(vertx.close());
  }

  @Test
  @DisplayName("streaming: the first upstream is rate limited, the second streams; the SDK sees only the images")
  void streamServedBySecond() {
    first.autoScript(exchange -> exchange.error(429, "{\"error\":{\"code\":\"ModelAccountIpmRateLimitExceeded\",\"message\":\"IPM\"}}", "30"));
    second.autoScript(exchange -> exchange.streamHead().image(0, "https://tos.example.com/0.jpeg")
      .image(1, "https://tos.example.com/1.jpeg").completed(2).done().end());
    GenerateImagesRequest request = GenerateImagesRequest.builder().model(MODEL).prompt("two cats")
      .sequentialImageGeneration("auto").sequentialImageGenerationOptions(ArkSdkGatewayTest.maxImages(2)).stream(true).build();

    List<ImageGenStreamEvent> events = ark.streamGenerateImages(request).toList().blockingGet();

    assertThat(events).extracting(ImageGenStreamEvent::getType).containsExactly(
      "image_generation.partial_succeeded", "image_generation.partial_succeeded", "image_generation.completed");
    assertThat(first.requestCount()).isEqualTo(1);
    assertThat(second.requestCount()).isEqualTo(1);
    assertThat(Await.result(second.exchange(0)).headers().get("Authorization")).isEqualTo("Bearer " + SECOND_KEY);
  }

  @Test
  @DisplayName("non-streaming: the first upstream refuses connections, the second answers the SDK's JSON")
  void jsonServedBySecond() {
    Await.result(first.close());
    second.autoScript(exchange -> exchange.response().putHeader("Content-Type", "application/json")
      .end(new JsonObject().put("model", MODEL).put("created", 1757396757).put("data", new JsonArray()
        .add(new JsonObject().put("url", "https://tos.example.com/0.jpeg").put("size", "2048x2048")))
        .put("usage", new JsonObject().put("generated_images", 1).put("output_tokens", 16384).put("total_tokens", 16384)).encode()));
    GenerateImagesRequest request = GenerateImagesRequest.builder().model(MODEL).prompt("a lighthouse").build();

    ImagesResponse response = ark.generateImages(request);

    assertThat(response.getData()).singleElement().satisfies(image -> assertThat(image.getUrl()).isEqualTo("https://tos.example.com/0.jpeg"));
    assertThat(second.requestCount()).isEqualTo(1);
  }
}
