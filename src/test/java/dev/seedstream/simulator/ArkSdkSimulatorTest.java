package dev.seedstream.simulator;

import com.volcengine.ark.runtime.model.images.generation.GenerateImagesRequest;
import com.volcengine.ark.runtime.model.images.generation.ImageGenStreamEvent;
import com.volcengine.ark.runtime.model.images.generation.ImagesResponse;
import com.volcengine.ark.runtime.service.ArkService;
import dev.seedstream.Gateway;
import io.vertx.core.Vertx;
import okhttp3.ConnectionPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The official Volcengine Ark Java SDK, pointed at the simulator, must read it as the real service. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ArkSdkSimulatorTest {

  private static final String KEY = "ark-sdk-test-key";
  private static final String MODEL = "doubao-seedream-4-5-251128";

  private Vertx vertx;
  private Simulator simulator;
  private ArkService ark;
  private final ConnectionPool connections = new ConnectionPool();

  @BeforeEach
  void start() {
    vertx = Gateway.newVertx();
    simulator = Simulator.start(vertx, SimulatorOptions.defaults(KEY).withDelays(2, 2)).await();
    ark = ArkService.builder()
      .apiKey(KEY)
      .baseUrl(simulator.baseUrl() + "/api/v3/")
      .connectionPool(connections)
      .retryTimes(0)
      .build();
  }

  @AfterEach
  void stop() {
    ark.shutdownExecutor();
    connections.evictAll();
    simulator.close().await();
    vertx.close().await();
  }

  @Test
  @DisplayName("the SDK streams a group of three: three images with URLs, then the summary with usage")
  void streamsGroup() {
    GenerateImagesRequest request = GenerateImagesRequest.builder()
      .model(MODEL)
      .prompt("一组四季风景插画")
      .size("2K")
      .sequentialImageGeneration("auto")
      .sequentialImageGenerationOptions(maxImages(3))
      .responseFormat("url")
      .stream(true)
      .watermark(false)
      .build();

    List<ImageGenStreamEvent> events = ark.streamGenerateImages(request).toList().blockingGet();

    assertThat(events).extracting(ImageGenStreamEvent::getType).containsExactly(
      "image_generation.partial_succeeded", "image_generation.partial_succeeded",
      "image_generation.partial_succeeded", "image_generation.completed");
    assertThat(events.subList(0, 3)).extracting(ImageGenStreamEvent::getImageIndex).containsExactly(0, 1, 2);
    assertThat(events.subList(0, 3)).allSatisfy(event -> {
      assertThat(event.getUrl()).startsWith(simulator.baseUrl() + "/images/");
      assertThat(event.getSize()).isEqualTo("2048x2048");
      assertThat(event.getModel()).isEqualTo(MODEL);
    });
    ImageGenStreamEvent.Usage usage = events.get(3).getUsage();
    assertThat(usage.getGeneratedImages()).isEqualTo(3);
    assertThat(usage.getOutputTokens()).isEqualTo(3 * 16384);
    assertThat(usage.getTotalTokens()).isEqualTo(3 * 16384);
  }

  @Test
  @DisplayName("the SDK reads a non-stream answer")
  void nonStream() {
    GenerateImagesRequest request = GenerateImagesRequest.builder()
      .model(MODEL)
      .prompt("a lighthouse at dusk")
      .size("2496x1664")
      .responseFormat("b64_json")
      .build();

    ImagesResponse response = ark.generateImages(request);

    assertThat(response.getModel()).isEqualTo(MODEL);
    assertThat(response.getData()).hasSize(1);
    assertThat(response.getData().get(0).getB64Json()).startsWith("/9j/");
    assertThat(response.getData().get(0).getSize()).isEqualTo("2496x1664");
    assertThat(response.getUsage().getGeneratedImages()).isEqualTo(1);
    assertThat(response.getUsage().getOutputTokens()).isEqualTo(16224);
  }

  private static GenerateImagesRequest.SequentialImageGenerationOptions maxImages(int count) {
    GenerateImagesRequest.SequentialImageGenerationOptions options =
      new GenerateImagesRequest.SequentialImageGenerationOptions();
    options.setMaxImages(count);
    return options;
  }
}
