package dev.seedstream.job;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class JobEventTest {

  private static final JsonObject META = new JsonObject().put("index", 2).put("url", (String) null)
    .put("size", "2048x2048").put("elapsed_ms", 1234);

  @Test
  @DisplayName("an inline image frame is byte for byte what Jackson would have written")
  void inlineImageFrameMatchesJackson() {
    String b64 = "/9j/4AAQSkZJRgABAQAAAQABAAD+/w==";
    JobEvent fast = JobEvent.withInlineImage(5, META, b64);
    JobEvent slow = JobEvent.of(5, "image", META.copy().put("b64_json", b64));
    assertThat(fast.frame().toString()).isEqualTo(slow.frame().toString());
    assertThat(new JsonObject(fast.frame().toString().split("data: ")[1].strip()).getString("b64_json")).isEqualTo(b64);
  }

  @Test
  @DisplayName("text that is not pure base64 goes through Jackson, so quotes, controls and non-Latin-1 stay intact")
  void anythingElseIsEscapedByJackson() {
    for (String text : new String[] {"ab\"cd", "ab\\cd", "ab\ncd", "图像", "ab?cd"}) {
      JobEvent event = JobEvent.withInlineImage(1, META, text);
      String data = event.frame().toString().split("data: ")[1].strip();
      assertThat(new JsonObject(data).getString("b64_json")).isEqualTo(text);
      assertThat(event.frame().toString()).containsOnlyOnce("\n\n");
    }
  }
}
