package dev.seedstream.sse;

import static dev.seedstream.sse.SseParsing.utf8;
import static dev.seedstream.sse.SseParsing.whole;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class SseFramesTest {

  private static String text(byte[] frame) {
    return new String(frame, StandardCharsets.UTF_8);
  }

  @Test
  void utf8DataWithoutLineBreaksIsCopiedAsIs() {
    String json = "{\"index\":0,\"b64_json\":\"/9j/4AAQ\",\"prompt\":\"图1 \\n escaped\"}";
    byte[] fast = SseFrames.event(7, "image", json.getBytes(StandardCharsets.UTF_8));
    assertThat(fast).isEqualTo(SseFrames.event(7, "image", json));
    assertThat(text(fast)).isEqualTo("id: 7\nevent: image\ndata: " + json + "\n\n");
  }

  @Test
  void utf8DataWithRawLineBreaksOrNulTakesTheSplittingPath() {
    for (String data : List.of("a\n\ndata: {\"fake\":1}", "a\rb", "a\u0000b")) {
      assertThat(SseFrames.event(1, "x\nevent: y", data.getBytes(StandardCharsets.UTF_8)))
        .isEqualTo(SseFrames.event(1, "x\nevent: y", data));
    }
  }

  @Test
  void encodesAnEventExactly() {
    byte[] frame = SseFrames.event(42, "image_generation.partial_succeeded", "{\"image_index\":0}");

    assertThat(frame).isEqualTo(
        utf8("id: 42\nevent: image_generation.partial_succeeded\ndata: {\"image_index\":0}\n\n"));
  }

  @Test
  void omitsTheEventLineWhenThereIsNoEventName() {
    assertThat(text(SseFrames.event(1, null, "x"))).isEqualTo("id: 1\ndata: x\n\n");
  }

  @Test
  void encodesUnicodeAsUtf8() {
    assertThat(SseFrames.event(0, "é", "画像😀")).isEqualTo(utf8("id: 0\nevent: é\ndata: 画像😀\n\n"));
  }

  @Test
  void splitsDataOnEveryLineEnd() {
    assertThat(text(SseFrames.event(1, "e", "a\r\nb\rc\nd\n")))
        .isEqualTo("id: 1\nevent: e\ndata: a\ndata: b\ndata: c\ndata: d\ndata: \n\n");
  }

  @Test
  void emptyDataIsOneEmptyDataLine() {
    assertThat(text(SseFrames.event(1, "e", ""))).isEqualTo("id: 1\nevent: e\ndata: \n\n");
  }

  @Test
  void replacesNulInDataAndDropsItFromEventName() {
    assertThat(text(SseFrames.event(1, "a\0b", "c\0d"))).isEqualTo("id: 1\nevent: ab\ndata: c\uFFFDd\n\n");
  }

  @Test
  void encodesCommentAndRetry() {
    assertThat(text(SseFrames.comment("keep-alive"))).isEqualTo(": keep-alive\n\n");
    assertThat(text(SseFrames.comment("a\r\nb\0c"))).isEqualTo(": abc\n\n");
    assertThat(text(SseFrames.retry(3000))).isEqualTo("retry: 3000\n\n");
  }

  @Test
  void rejectsNegativeRetry() {
    assertThatThrownBy(() -> SseFrames.retry(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  static Stream<String> injections() {
    return Stream.of(
        "\n\ndata: {\"fake\":1}",
        "\r",
        "\0",
        "\revent: x",
        "x\r\n\r\nid: 9\r\nevent: evil\r\ndata: {\"fake\":1}\r\n\r\n",
        "\n\n\n",
        "\r\r",
        "ok\n: comment\nretry: 1\n\ndata: [DONE]\n\n",
        "\0\n\0\r\0");
  }

  @ParameterizedTest
  @MethodSource("injections")
  void injectedEventNameYieldsOneEvent(String payload) {
    List<SseEvent> events = whole(SseFrames.event(7, payload, "{\"ok\":true}"));

    assertThat(events).hasSize(1);
    assertThat(events.get(0).id()).isEqualTo("7");
    assertThat(events.get(0).event()).doesNotContain("\r", "\n", "\0");
    assertThat(events.get(0).data()).isEqualTo("{\"ok\":true}");
  }

  @ParameterizedTest
  @MethodSource("injections")
  void injectedDataYieldsOneEvent(String payload) {
    List<SseEvent> events = whole(SseFrames.event(7, "image", payload));

    assertThat(events).containsExactly(new SseEvent("7", "image", normalised(payload)));
  }

  @ParameterizedTest
  @MethodSource("injections")
  void injectedCommentYieldsNoEvent(String payload) {
    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    stream.writeBytes(SseFrames.comment(payload));
    stream.writeBytes(SseFrames.event(8, "image", "{}"));
    stream.writeBytes(SseFrames.comment(payload));

    assertThat(whole(stream.toByteArray())).containsExactly(new SseEvent("8", "image", "{}"));
  }

  private static String normalised(String data) {
    return data.replace("\r\n", "\n").replace('\r', '\n').replace('\0', '\uFFFD');
  }

  @Test
  void aJsonObjectIsFramedAsItsEncodedBytesWouldBe() {
    io.vertx.core.json.JsonObject data = new io.vertx.core.json.JsonObject().put("index", 3)
      .put("url", "https://tos.example.com/3.jpeg?X-Tos-Expires=86400&sig=\u00e9\u4e2d").put("size", "2048x2048")
      .put("usage", new io.vertx.core.json.JsonObject().put("generated_images", 4)).put("none", (Object) null);
    assertThat(SseFrames.event(42, "image", data)).isEqualTo(SseFrames.event(42, "image", data.toBuffer().getBytes()));
    assertThat(SseFrames.event(7, null, data)).isEqualTo(SseFrames.event(7, null, data.toBuffer().getBytes()));
    // A line break in a value is escaped by JSON, so it never needs the splitting path; the frame is one data line.
    io.vertx.core.json.JsonObject broken = new io.vertx.core.json.JsonObject().put("message", "one\r\ntwo\u0000");
    String frame = new String(SseFrames.event(1, "error", broken), StandardCharsets.UTF_8);
    assertThat(frame).isEqualTo("id: 1\nevent: error\ndata: " + broken.encode() + "\n\n");
  }

  @Test
  void aJsonFrameIsTheSameForEveryIdEventNameAndSize() {
    io.vertx.core.json.JsonObject data = new io.vertx.core.json.JsonObject().put("index", 0);
    for (long id : new long[] {0, 7, 9, 10, 99, 100, 123_456_789_012L, Long.MAX_VALUE}) {
      assertThat(SseFrames.event(id, "image", data)).isEqualTo(SseFrames.event(id, "image", data.toBuffer().getBytes()));
    }
    // Names that are not plain ASCII, or that hold a line break, go through the same single-line rule as before.
    for (String name : new String[] {"caf\u00e9", "two\nlines", "nul\u0000", "\u4e2d\r\n"}) {
      assertThat(SseFrames.event(3, name, data)).isEqualTo(SseFrames.event(3, name, data.toBuffer().getBytes()));
    }
  }

  @Test
  void framesMadeOneAfterAnotherOnOneThreadStayApartAndABigOneLeavesNoTrace() {
    io.vertx.core.json.JsonObject big = new io.vertx.core.json.JsonObject().put("text", "x".repeat(200_000));
    io.vertx.core.json.JsonObject small = new io.vertx.core.json.JsonObject().put("index", 1);
    byte[] first = SseFrames.event(1, "image", small);
    byte[] copyOfFirst = first.clone();
    byte[] large = SseFrames.event(2, "image", big);
    byte[] after = SseFrames.event(3, "done", small);
    assertThat(first).isEqualTo(copyOfFirst);
    assertThat(large).isEqualTo(SseFrames.event(2, "image", big.toBuffer().getBytes()));
    assertThat(SseFrames.scratchBytes()).isLessThanOrEqualTo(64 << 10);
    assertThat(after).isEqualTo(SseFrames.event(3, "done", small.toBuffer().getBytes()));
    assertThat(new String(after, StandardCharsets.UTF_8)).isEqualTo("id: 3\nevent: done\ndata: {\"index\":1}\n\n");
  }
}
