package dev.seedstream.dropin;

import com.volcengine.ark.runtime.exception.ArkHttpException;
import com.volcengine.ark.runtime.model.images.generation.GenerateImagesRequest;
import com.volcengine.ark.runtime.model.images.generation.ImageGenStreamEvent;
import com.volcengine.ark.runtime.model.images.generation.ImagesResponse;
import com.volcengine.ark.runtime.service.ArkService;
import dev.seedstream.Gateway;
import dev.seedstream.support.Await;
import dev.seedstream.support.FakeExchange;
import dev.seedstream.support.FakeUpstream;
import dev.seedstream.support.TestGateway;
import io.vertx.core.Vertx;
import okhttp3.ConnectionPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * The official Volcengine Ark Java SDK, unchanged, pointed at the gateway's drop-in endpoint: the gateway
 * adds its key and its validation, and the SDK cannot tell it from the real service.
 */
@DisplayName("Drop-in: the official Ark SDK against the gateway")
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ArkSdkGatewayTest {

  static final String MODEL = "doubao-seedream-4-5-251128";
  static final String TOKEN = "sdk-client-token-0123456789";

  Vertx vertx;
  Gateway gateway;
  FakeUpstream fake;
  ArkService ark;
  final ConnectionPool connections = new ConnectionPool();

  @BeforeEach
  void setUp() {
    vertx = Gateway.newVertx();
  }

  @AfterEach
  void tearDown() {
    if (ark != null) {
      ark.shutdownExecutor();
    }
    connections.evictAll();
    if (gateway != null) {
      Await.result(gateway.close());
    }
    Await.result(vertx.close());
  }

  /** The gateway with its embedded simulator as the upstream, and a client token the SDK sends as its key. */
  void startWithSimulator() {
    Map<String, String> env = new HashMap<>();
    env.put("SEEDSTREAM_SIMULATE", "true");
    env.put("SEEDSTREAM_SIM_FIRST_IMAGE_DELAY_MS", "2");
    env.put("SEEDSTREAM_SIM_BETWEEN_IMAGES_DELAY_MS", "2");
    env.put("SEEDSTREAM_TOKENS", "sdk:" + TOKEN);
    gateway = Await.result(Gateway.start(vertx, TestGateway.config("http://127.0.0.1:9/unused", env)));
    ark = sdk(gateway.port(), TOKEN);
  }

  ArkService sdk(int port, String key) {
    return ArkService.builder().apiKey(key).baseUrl("http://127.0.0.1:" + port + "/v1/")
      .connectionPool(connections).retryTimes(0).build();
  }

  @Test
  @DisplayName("streaming: a group of three arrives as three partial_succeeded events and the summary")
  void streamsThroughGateway() {
    startWithSimulator();
    GenerateImagesRequest request = GenerateImagesRequest.builder().model(MODEL).prompt("一组四季风景插画")
      .size("2K").sequentialImageGeneration("auto").sequentialImageGenerationOptions(maxImages(3))
      .responseFormat("url").stream(true).watermark(false).build();

    List<ImageGenStreamEvent> events = ark.streamGenerateImages(request).toList().blockingGet();

    assertThat(events).extracting(ImageGenStreamEvent::getType).containsExactly(
      "image_generation.partial_succeeded", "image_generation.partial_succeeded",
      "image_generation.partial_succeeded", "image_generation.completed");
    assertThat(events.subList(0, 3)).extracting(ImageGenStreamEvent::getImageIndex).containsExactly(0, 1, 2);
    assertThat(events.subList(0, 3)).allSatisfy(e -> assertThat(e.getUrl()).startsWith(gateway.simulator().baseUrl()));
    assertThat(events.get(3).getUsage().getGeneratedImages()).isEqualTo(3);
    assertThat(gateway.simulator().requestCount()).isEqualTo(1);
  }

  @Test
  @DisplayName("non-streaming: the SDK reads the upstream's JSON, b64_json included")
  void nonStreamThroughGateway() {
    startWithSimulator();
    GenerateImagesRequest request = GenerateImagesRequest.builder().model(MODEL).prompt("a lighthouse at dusk")
      .size("2496x1664").responseFormat("b64_json").build();

    ImagesResponse response = ark.generateImages(request);

    assertThat(response.getData()).hasSize(1);
    assertThat(response.getData().get(0).getB64Json()).startsWith("/9j/");
    assertThat(response.getData().get(0).getSize()).isEqualTo("2496x1664");
    assertThat(response.getUsage().getGeneratedImages()).isEqualTo(1);
  }

  @Test
  @DisplayName("a request the gateway refuses reaches the SDK as the upstream's error: code, param, message")
  void validationErrorInUpstreamEnvelope() {
    startWithSimulator();
    GenerateImagesRequest request = GenerateImagesRequest.builder().model(MODEL).prompt("a fox").size("123x45").build();

    ArkHttpException error = catchThrowableOfType(ArkHttpException.class, () -> ark.generateImages(request));

    assertThat(error.statusCode).isEqualTo(400);
    assertThat(error.code).isEqualTo("InvalidParameter");
    assertThat(error.param).isEqualTo("size");
    assertThat(error.getMessage()).contains("size");
    assertThat(gateway.simulator().requestCount()).isZero();
  }

  @Test
  @DisplayName("a wrong client token is refused with 401 before anything goes upstream")
  void wrongTokenRefused() {
    startWithSimulator();
    ArkService stranger = sdk(gateway.port(), "not-a-known-token-000000");
    try {
      GenerateImagesRequest request = GenerateImagesRequest.builder().model(MODEL).prompt("a fox").build();
      ArkHttpException error = catchThrowableOfType(ArkHttpException.class, () -> stranger.generateImages(request));
      assertThat(error.statusCode).isEqualTo(401);
      assertThat(error.code).isEqualTo("AuthenticationError");
      assertThat(gateway.simulator().requestCount()).isZero();
    } finally {
      stranger.shutdownExecutor();
    }
  }

  @Test
  @DisplayName("a stream that stays silent longer than the /api heartbeat still parses: nothing is added")
  // (partial_failed is relayed too, see DropInRelayTest; this SDK turns it into an exception, as it would from Ark.)
  void silentUpstreamStream() {
    fake = Await.result(FakeUpstream.start(vertx));
    fake.autoScript(exchange -> {
      exchange.streamHead();
      // Silent for four heartbeat intervals of the job API, then the images.
      vertx.setTimer(400, t -> exchange.image(0, "https://tos.example.com/0.jpeg?X-Tos-Expires=86400")
        .image(1, "https://tos.example.com/1.jpeg?X-Tos-Expires=86400").completed(2).done().end());
    });
    gateway = null;
    int port = Await.result(TestGateway.start(vertx, TestGateway.config(fake.url(), Map.of("SEEDSTREAM_HEARTBEAT_MS", "100"))))
      .actualPort();
    ark = sdk(port, "any-key-the-gateway-ignores");
    GenerateImagesRequest request = GenerateImagesRequest.builder().model(MODEL).prompt("two cats")
      .sequentialImageGeneration("auto").sequentialImageGenerationOptions(maxImages(2)).stream(true).build();

    List<ImageGenStreamEvent> events = ark.streamGenerateImages(request).toList().blockingGet();

    assertThat(events).extracting(ImageGenStreamEvent::getType).containsExactly(
      "image_generation.partial_succeeded", "image_generation.partial_succeeded", "image_generation.completed");
    assertThat(events.get(1).getUrl()).isEqualTo("https://tos.example.com/1.jpeg?X-Tos-Expires=86400");
    FakeExchange upstream = Await.result(fake.exchange(0));
    assertThat(upstream.headers().get("Authorization")).isEqualTo("Bearer " + TestGateway.CANARY_KEY);
    assertThat(upstream.body().getBoolean("stream")).isTrue();
  }

  static GenerateImagesRequest.SequentialImageGenerationOptions maxImages(int count) {
    GenerateImagesRequest.SequentialImageGenerationOptions options = new GenerateImagesRequest.SequentialImageGenerationOptions();
    options.setMaxImages(count);
    return options;
  }
}
