package dev.seedstream.job;

import dev.seedstream.support.TestImages;
import dev.seedstream.upstream.InlineImage;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Job events: an image frame built around the upstream's bytes")
class JobEventTest {

  @Test
  @DisplayName("the image frame is byte for byte the frame Jackson would write, in any slices across its parts")
  void sameBytesAsEncoded() {
    String b64 = TestImages.jpegBase64(300_001, 7);
    InlineImage image = InlineImage.parse(b64);
    JsonObject data = new JsonObject().put("index", 3).put("url", null).put("size", "2048x2048")
      .put("prompt_echo", "line\nbreak \"quoted\" 图1 </script>");
    JobEvent imageEvent = JobEvent.withInlineImage(9, "image", data.copy(), image);
    JobEvent encodedEvent = JobEvent.of(9, "image", data.copy().put("b64_json", b64));
    Buffer zeroCopy = imageEvent.slice(0, imageEvent.length());
    Buffer encoded = encodedEvent.slice(0, encodedEvent.length());
    assertThat(zeroCopy.length()).isEqualTo(encoded.length());
    assertThat(zeroCopy.getBytes()).isEqualTo(encoded.getBytes());
    for (int step : new int[] {65_536, 7_777, 1}) {
      for (int at = 0; at < zeroCopy.length(); at += step == 1 ? 9_973 : step) {
        int end = Math.min(zeroCopy.length(), at + step);
        assertThat(imageEvent.slice(at, end).getBytes()).as(at + ".." + end).isEqualTo(encoded.slice(at, end).getBytes());
      }
    }
    String text = zeroCopy.toString();
    assertThat(text).startsWith("id: 9\nevent: image\ndata: {").endsWith("\"}\n\n");
    assertThat(text.chars().filter(c -> c == '\n').count()).as("one data line").isEqualTo(4);
  }

  @Test
  @DisplayName("an image frame written slice by slice to a client is the frame Jackson would write")
  void slicesWrittenToAClient() {
    String b64 = TestImages.jpegBase64(400_003, 11);
    JsonObject data = new JsonObject().put("index", 0).put("size", "2048x2048");
    JobEvent imageEvent = JobEvent.withInlineImage(4, "image", data.copy(), InlineImage.parse(b64));
    JobEvent encodedEvent = JobEvent.of(4, "image", data.copy().put("b64_json", b64));
    RecordingSink client = new RecordingSink();
    client.open(v -> { });
    assertThat(imageEvent.slices()).isGreaterThan(1);
    for (int n = 0; n < imageEvent.slices(); n++) {
      imageEvent.writeSlice(n, client);
    }
    assertThat(client.text()).isEqualTo(encodedEvent.slice(0, encodedEvent.length()).toString(java.nio.charset.StandardCharsets.UTF_8));
    assertThat(SharedSlices.bytesInFlight()).as("every slice's copy freed once written").isZero();
  }

  @Test
  @DisplayName("an event with no other field still makes valid JSON")
  void onlyTheImage() {
    String b64 = TestImages.jpegBase64(12, 7);
    JobEvent event = JobEvent.withInlineImage(1, "image", new JsonObject(), InlineImage.parse(b64));
    Buffer frame = event.slice(0, event.length());
    assertThat(frame.toString()).isEqualTo("id: 1\nevent: image\ndata: {\"b64_json\":\"" + b64 + "\"}\n\n");
  }

  @Test
  @DisplayName("a job's JSON reads an image's fields back from its frame, without the inline data, even after release")
  void dataReadBack() {
    JsonObject data = new JsonObject().put("index", 3).put("url", null).put("size", "2048x2048")
      .put("elapsed_ms", 41).put("note", "line\nbreak \"quoted\" 图1 </script> ,\"b64_json\":\"");
    JobEvent inline = JobEvent.withInlineImage(9, "image", data.copy(), InlineImage.parse(TestImages.jpegBase64(3_001, 7)));
    assertThat(inline.isImage()).isTrue();
    assertThat(inline.dataWithoutImage()).isEqualTo(data);
    inline.release();
    assertThat(inline.dataWithoutImage()).as("the head is the job's own bytes").isEqualTo(data);

    JobEvent only = JobEvent.withInlineImage(1, "image", new JsonObject(), InlineImage.parse(TestImages.jpegBase64(12, 7)));
    assertThat(only.dataWithoutImage()).isEqualTo(new JsonObject());

    JobEvent url = JobEvent.of(2, "image", data.copy().put("url", "https://example.test/a.jpeg?x=1&y=2"));
    assertThat(url.dataWithoutImage()).isEqualTo(data.copy().put("url", "https://example.test/a.jpeg?x=1&y=2"));
    assertThat(JobEvent.of(3, "completed", new JsonObject()).isImage()).isFalse();
  }
}
