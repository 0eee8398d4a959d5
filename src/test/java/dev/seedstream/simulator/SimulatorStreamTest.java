package dev.seedstream.simulator;

import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Base64;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SimulatorStreamTest extends SimulatorTestBase {

  private static final String GROUP_OF_THREE = """
    {"model":"doubao-seedream-4-5-251128","prompt":"三只小猫在窗台上晒太阳","size":"2496x1664",\
    "sequential_image_generation":"auto","sequential_image_generation_options":{"max_images":3},\
    "stream":true,"response_format":"url","watermark":false}""";

  /** docs/upstream-protocol.md §4.7, transcript T1, with this run's values as placeholders. */
  private static final String T1 = """
    event: image_generation.partial_succeeded
    data: {"type":"image_generation.partial_succeeded","model":"doubao-seedream-4-5-251128","created":«created»,"image_index":0,"url":"«url:0»","size":"2496x1664"}

    event: image_generation.partial_succeeded
    data: {"type":"image_generation.partial_succeeded","model":"doubao-seedream-4-5-251128","created":«created»,"image_index":1,"url":"«url:1»","size":"2496x1664"}

    event: image_generation.partial_succeeded
    data: {"type":"image_generation.partial_succeeded","model":"doubao-seedream-4-5-251128","created":«created»,"image_index":2,"url":"«url:2»","size":"2496x1664"}

    event: image_generation.completed
    data: {"type":"image_generation.completed","model":"doubao-seedream-4-5-251128","created":«created»,"usage":{"generated_images":3,"output_tokens":48672,"total_tokens":48672}}

    data: [DONE]

    """;

  @Test
  @DisplayName("a group of three streams exactly as Ark's transcript T1")
  void groupOfThreeMatchesTranscript() {
    start(FAST);

    SimulatorCaller.Answer answer = client.post(SimulatorCaller.ARK, BEARER, GROUP_OF_THREE);

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.headers().get("Content-Type")).isEqualTo("text/event-stream");
    assertThat(answer.headers().get("Transfer-Encoding")).isEqualTo("chunked");
    assertThat(answer.text()).matches(Transcript.pattern(T1, simulator.baseUrl()));
    assertThat(simulator.requestCount()).isEqualTo(1);
  }

  @Test
  @DisplayName("CRLF mode ends every line with CRLF and is otherwise the same stream")
  void crlfMode() {
    start(FAST.withCrlf(true));

    String body = client.post(SimulatorCaller.ARK, BEARER, GROUP_OF_THREE).text();

    assertThat(body.replace("\r\n", "")).doesNotContain("\n").doesNotContain("\r");
    assertThat(body).endsWith("data: [DONE]\r\n\r\n");
    assertThat(body.replace("\r\n", "\n")).matches(Transcript.pattern(T1, simulator.baseUrl()));
  }

  @Test
  @DisplayName("a filtered image becomes partial_failed, the group goes on, and usage counts only successes")
  void failedIndexContinues() {
    start(FAST.withFailIndexes(Set.of(1)));
    String request = """
      {"model":"doubao-seedream-4-0-250828","prompt":"a lighthouse","sequential_image_generation":"auto",\
      "sequential_image_generation_options":{"max_images":3},"stream":true}""";

    String body = client.post(SimulatorCaller.ARK, BEARER, request).text();

    assertThat(body).matches(Transcript.pattern("""
      event: image_generation.partial_succeeded
      data: {"type":"image_generation.partial_succeeded","model":"doubao-seedream-4-0-250828","created":«created»,"image_index":0,"url":"«url:0»","size":"2048x2048"}

      event: image_generation.partial_failed
      data: {"type":"image_generation.partial_failed","model":"doubao-seedream-4-0-250828","created":«created»,"image_index":1,"error":{"code":"OutputImageSensitiveContentDetected","message":"The request failed because the output image may contain sensitive information."}}

      event: image_generation.partial_succeeded
      data: {"type":"image_generation.partial_succeeded","model":"doubao-seedream-4-0-250828","created":«created»,"image_index":2,"url":"«url:2»","size":"2048x2048"}

      event: image_generation.completed
      data: {"type":"image_generation.completed","model":"doubao-seedream-4-0-250828","created":«created»,"usage":{"generated_images":2,"output_tokens":32768,"total_tokens":32768}}

      data: [DONE]

      """, simulator.baseUrl()));
  }

  @Test
  @DisplayName("a custom failure message is sent as given, markup included, inside the JSON string")
  void customFailMessage() {
    start(FAST.withFailIndexes(Set.of(0)).withFailMessage("<img src=x onerror=alert(2)> \"quoted\""));
    String request = """
      {"model":"doubao-seedream-4-5-251128","prompt":"p","stream":true}""";

    String body = client.post(SimulatorCaller.ARK, BEARER, request).text();

    assertThat(body).contains("\"image_index\":0,\"error\":{\"code\":\"OutputImageSensitiveContentDetected\","
      + "\"message\":\"<img src=x onerror=alert(2)> \\\"quoted\\\"\"}");
  }

  @Test
  @DisplayName("the reference images of the latest request are kept exactly as sent")
  void remembersReferences() {
    start(FAST);
    assertThat(simulator.lastReferenceImages()).isEmpty();
    String request = """
      {"model":"doubao-seedream-4-5-251128","prompt":"p","stream":true,\
      "image":["data:image/png;base64,iVBORw0KGgo=","https://example.com/a.jpeg"]}""";

    client.post(SimulatorCaller.ARK, BEARER, request).text();

    assertThat(simulator.lastReferenceImages())
      .containsExactly("data:image/png;base64,iVBORw0KGgo=", "https://example.com/a.jpeg");
  }

  @Test
  @DisplayName("a fatal error mid-stream is a bare data frame and the stream ends without [DONE]")
  void midStreamFailure() {
    start(FAST.withFailMidStreamAfterImages(1));
    String request = """
      {"model":"doubao-seedream-4-5-251128","prompt":"p","size":"2K","sequential_image_generation":"auto",\
      "sequential_image_generation_options":{"max_images":4},"stream":true}""";

    SimulatorCaller.Answer answer = client.post(SimulatorCaller.ARK, BEARER, request);

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.text()).matches(Transcript.pattern("""
      event: image_generation.partial_succeeded
      data: {"type":"image_generation.partial_succeeded","model":"doubao-seedream-4-5-251128","created":«created»,"image_index":0,"url":"«url:0»","size":"2048x2048"}

      data: {"error":{"code":"InternalServiceError","message":"The service encountered an unexpected internal error. Request id: «rid»"}}

      """, simulator.baseUrl()));
  }

  @Test
  @DisplayName("a fatal error before any image still comes as a 200 event stream")
  void midStreamFailureBeforeFirstImage() {
    start(FAST.withFailMidStreamAfterImages(0));

    SimulatorCaller.Answer answer = client.post(SimulatorCaller.ARK, BEARER, GROUP_OF_THREE);

    assertThat(answer.status()).isEqualTo(200);
    assertThat(answer.headers().get("Content-Type")).isEqualTo("text/event-stream");
    assertThat(answer.text()).matches(Transcript.pattern("""
      data: {"error":{"code":"InternalServiceError","message":"The service encountered an unexpected internal error. Request id: «rid»"}}

      """, simulator.baseUrl()));
  }

  @Test
  @DisplayName("without sequential generation one 2048x2048 image streams, also through the DMXAPI path")
  void singleImageThroughDmx() {
    start(FAST);
    String request = """
      {"model":"doubao-seedream-4-0-250828","prompt":"p","stream":true}""";

    String body = client.post(SimulatorCaller.DMX, KEY, request).text();

    assertThat(body).matches(Transcript.pattern("""
      event: image_generation.partial_succeeded
      data: {"type":"image_generation.partial_succeeded","model":"doubao-seedream-4-0-250828","created":«created»,"image_index":0,"url":"«url:0»","size":"2048x2048"}

      event: image_generation.completed
      data: {"type":"image_generation.completed","model":"doubao-seedream-4-0-250828","created":«created»,"usage":{"generated_images":1,"output_tokens":16384,"total_tokens":16384}}

      data: [DONE]

      """, simulator.baseUrl()));
  }

  @Test
  @DisplayName("b64_json puts the whole JPEG, drawn at a quarter of the size, in the event")
  void base64Image() throws IOException {
    start(FAST);
    String request = """
      {"model":"doubao-seedream-4-5-251128","prompt":"p","size":"2496x1664","stream":true,\
      "response_format":"b64_json"}""";

    String body = client.post(SimulatorCaller.ARK, BEARER, request).text();

    String data = body.lines().filter(l -> l.startsWith("data: {\"type\":\"image_generation.partial_succeeded\""))
      .findFirst().orElseThrow().substring("data: ".length());
    JsonObject event = new JsonObject(data);
    assertThat(event.fieldNames()).containsExactly("type", "model", "created", "image_index", "b64_json", "size");
    byte[] jpeg = Base64.getDecoder().decode(event.getString("b64_json"));
    assertThat(jpeg).startsWith(0xFF, 0xD8, 0xFF);
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(jpeg));
    assertThat(image.getWidth()).isEqualTo(624);
    assertThat(image.getHeight()).isEqualTo(416);
  }

  @Test
  @DisplayName("held images leave one at a time, and the head waits for the first one")
  void holdAndRelease() throws InterruptedException {
    start(FAST);
    BlockingQueue<Integer> waiting = new LinkedBlockingQueue<>();
    simulator.imageWaitingListener(() -> waiting.add(1));
    simulator.holdImages(true);
    String request = GROUP_OF_THREE.replace("\"max_images\":3", "\"max_images\":2");

    SimulatorCaller.OpenStream stream = client.open(SimulatorCaller.ARK, BEARER, request);

    assertThat(waiting.poll(10, TimeUnit.SECONDS)).isNotNull();
    assertThat(stream.response().isComplete()).as("head sent before the first image").isFalse();
    simulator.releaseNext();
    assertThat(stream.frames().poll(10, TimeUnit.SECONDS)).contains("\"image_index\":0");
    assertThat(waiting.poll(10, TimeUnit.SECONDS)).isNotNull();
    assertThat(stream.frames()).as("image 1 is still held").isEmpty();
    simulator.releaseNext();
    assertThat(stream.frames().poll(10, TimeUnit.SECONDS)).contains("\"image_index\":1");
    assertThat(stream.frames().poll(10, TimeUnit.SECONDS)).startsWith("event: image_generation.completed");
    assertThat(stream.frames().poll(10, TimeUnit.SECONDS)).isEqualTo("data: [DONE]");
    stream.ended().await();
  }

  @Test
  @DisplayName("a client that leaves mid-stream cancels its generation at once")
  void clientLeavesMidStream() throws InterruptedException {
    // The second image would take a minute: only cancelling its timer lets the simulator go idle.
    start(FAST.withDelays(2, 60_000));

    SimulatorCaller.OpenStream stream = client.open(SimulatorCaller.ARK, BEARER, GROUP_OF_THREE);
    assertThat(stream.frames().poll(10, TimeUnit.SECONDS)).contains("\"image_index\":0");
    assertThat(simulator.activeStreams()).isEqualTo(1);
    HttpClientResponse response = stream.response().result();
    response.request().connection().close().await();
    simulator.whenIdle().await();

    assertThat(simulator.cancelledCount()).isEqualTo(1);
    assertThat(simulator.activeStreams()).isZero();
  }

  @Test
  @DisplayName("a generation that finishes is not counted as cancelled")
  void finishedIsNotCancelled() {
    start(FAST);

    client.post(SimulatorCaller.ARK, BEARER, GROUP_OF_THREE);
    simulator.whenIdle().await();

    assertThat(simulator.cancelledCount()).isZero();
    assertThat(simulator.activeStreams()).isZero();
  }
}
