package dev.seedstream.upstream;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.seedstream.sse.BlockPool;
import dev.seedstream.sse.EventData;
import dev.seedstream.sse.SseEvent;
import dev.seedstream.sse.SseParser;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@DisplayName("An upstream event's JSON, with b64_json kept in the event's own bytes")
class EventPayloadTest {

  static final String JPEG_B64 = Base64.getEncoder().encodeToString(InlineImageTest.JPEG);

  static final BlockPool POOL = new BlockPool(64 << 20);

  /** As the gateway gets it: dispatched by the SSE parser, large data in pooled off-heap blocks. */
  static EventData pooled(String json) {
    List<SseEvent> events = new ArrayList<>();
    new SseParser(32 << 20, POOL, events::add).feed(("data: " + json.replace("\n", "\ndata: ") + "\n\n").getBytes(StandardCharsets.UTF_8));
    return events.get(0).payload();
  }

  static EventPayload parse(String json) throws IOException {
    return EventPayload.parse(pooled(json));
  }

  static String text(InlineImage image) {
    return new String(image.copyText(), StandardCharsets.ISO_8859_1);
  }

  @Test
  @DisplayName("plain base64 becomes a view of the bytes; every other field is parsed as usual")
  void plainBase64IsAView() throws IOException {
    EventPayload payload = parse("{\"type\":\"image_generation.partial_succeeded\",\"image_index\":2,"
      + "\"b64_json\":\"" + JPEG_B64 + "\",\"size\":\"2048x2048\",\"usage\":{\"output_tokens\":16384}}");
    assertThat(text(payload.inlineImage())).isEqualTo(JPEG_B64);
    assertThat(payload.inlineImage().isJpegOrPng()).isTrue();
    assertThat(Base64.getDecoder().decode(payload.inlineImage().copyText())).isEqualTo(InlineImageTest.JPEG);
    JsonObject fields = payload.fields();
    assertThat(fields.fieldNames()).containsExactly("type", "image_index", "size", "usage");
    assertThat(fields.getInteger("image_index")).isEqualTo(2);
    assertThat(fields.getJsonObject("usage").getInteger("output_tokens")).isEqualTo(16384);
  }

  @Test
  @DisplayName("every kind of value reads as the Jackson mapper reads it: same Java types, same values")
  void valuesAsTheMapperReadsThem() throws IOException {
    String json = "{\"s\":\"a\\\"b\\u00e9\",\"i\":7,\"neg\":-3,\"l\":12345678901,"
      + "\"big\":123456789012345678901234567890,\"d\":2.5,\"e\":1e3,\"t\":true,\"f\":false,\"n\":null,"
      + "\"o\":{\"k\":[1,\"x\",{\"y\":null}]},\"a\":[]}";
    Map<String, Object> expected = new ObjectMapper().readValue(json, new TypeReference<Map<String, Object>>() { });
    // Map equality compares values with equals(), so an Integer read as a Long would fail here.
    assertThat(parse(json).fields().getMap()).containsExactlyEntriesOf(expected);
    assertThat(expected.get("l")).isInstanceOf(Long.class);
    assertThat(expected.get("big")).isInstanceOf(BigInteger.class);
    assertThat(expected.get("s")).isEqualTo("a\"b\u00e9");
  }

  @Test
  @DisplayName("an image spanning many off-heap blocks reads whole, from heap or pooled bytes alike, and its blocks go back")
  void acrossBlocks() throws IOException {
    byte[] jpeg = new byte[400_000];
    new java.util.Random(5).nextBytes(jpeg);
    System.arraycopy(InlineImageTest.JPEG, 0, jpeg, 0, 3);
    String b64 = Base64.getEncoder().encodeToString(jpeg);
    String json = "{\"type\":\"image_generation.partial_succeeded\",\"b64_json\":\"" + b64 + "\",\"size\":\"1x1\"}";
    long before = POOL.bytesInUse();
    EventData data = pooled(json);
    assertThat(POOL.bytesInUse() - before).as("held off-heap").isGreaterThanOrEqualTo(json.length() - BlockPool.BLOCK);
    for (EventData bytes : List.of(data, EventData.of(json.getBytes(StandardCharsets.UTF_8)))) {
      EventPayload payload = EventPayload.parse(bytes);
      assertThat(text(payload.inlineImage())).isEqualTo(b64);
      assertThat(payload.inlineImage().isJpegOrPng()).isTrue();
      assertThat(payload.fields().getString("size")).isEqualTo("1x1");
    }
    EventPayload payload = EventPayload.parse(data);
    payload.inlineImage().release();
    assertThat(POOL.bytesInUse()).as("blocks returned").isEqualTo(before);
    assertThatThrownBy(() -> text(payload.inlineImage())).as("no read after release").isInstanceOf(IllegalStateException.class);
  }

  @Test
  @DisplayName("offsets count bytes: multi-byte UTF-8 and whitespace before the value do not shift it")
  void offsetsAreBytes() throws IOException {
    EventPayload payload = parse("{ \"prompt\" : \"图1 的猫 \\u732b\" ,\n  \"b64_json\" :\t\"" + JPEG_B64 + "\" }");
    assertThat(text(payload.inlineImage())).isEqualTo(JPEG_B64);
    assertThat(payload.fields().getString("prompt")).isEqualTo("图1 的猫 猫");
  }

  @Test
  @DisplayName("escaped base64 (PHP writes \\/) is left to the JSON parser and stays valid")
  void escapedBase64IsParsed() throws IOException {
    EventPayload payload = parse("{\"b64_json\":\"" + JPEG_B64.replace("/", "\\/") + "\"}");
    assertThat(JPEG_B64).contains("/");
    assertThat(payload.inlineImage()).isNull();
    assertThat(payload.fields().getString("b64_json")).isEqualTo(JPEG_B64);
    assertThat(InlineImage.parse(payload.fields().getString("b64_json")).isJpegOrPng()).isTrue();
  }

  @Test
  @DisplayName("b64_json that is not plain base64, or not a string, stays a field for the mapper to refuse")
  void otherValuesStayFields() throws IOException {
    EventPayload html = parse("{\"b64_json\":\"<img src=x onerror=alert(1)>\"}");
    assertThat(html.inlineImage()).isNull();
    assertThat(html.fields().getString("b64_json")).isEqualTo("<img src=x onerror=alert(1)>");
    assertThat(InlineImage.parse(html.fields().getString("b64_json"))).isNull();
    EventPayload number = parse("{\"b64_json\":42}");
    assertThat(number.inlineImage()).isNull();
    assertThat(number.fields().getInteger("b64_json")).isEqualTo(42);
    EventPayload unpadded = parse("{\"b64_json\":\"" + JPEG_B64.substring(0, JPEG_B64.length() - 1) + "\"}");
    assertThat(unpadded.inlineImage()).as("length that does not decode to whole bytes").isNull();
    EventPayload nested = parse("{\"data\":[{\"b64_json\":\"" + JPEG_B64 + "\"}]}");
    assertThat(nested.inlineImage()).as("only the top level is taken as a view").isNull();
    assertThat(nested.fields().getJsonArray("data").getJsonObject(0).getString("b64_json")).isEqualTo(JPEG_B64);
  }

  @Test
  @DisplayName("a repeated b64_json key ends as the last one, as in a parsed object")
  void lastKeyWins() throws IOException {
    EventPayload viewLast = parse("{\"b64_json\":\"x!\",\"b64_json\":\"" + JPEG_B64 + "\"}");
    assertThat(text(viewLast.inlineImage())).isEqualTo(JPEG_B64);
    assertThat(viewLast.fields().containsKey("b64_json")).isFalse();
    EventPayload textLast = parse("{\"b64_json\":\"" + JPEG_B64 + "\",\"b64_json\":\"x!\"}");
    assertThat(textLast.inlineImage()).isNull();
    assertThat(textLast.fields().getString("b64_json")).isEqualTo("x!");
  }

  @Test
  @DisplayName("the parser jumps over a checked image: fields after it, a second large image, and bad JSON after it still read right")
  void jumpsOverCheckedImages() throws IOException {
    String first = largeJpeg(300_000, 1);
    String second = largeJpeg(100_000, 2);
    EventPayload two = parse("{\"b64_json\":\"" + first + "\",\"prompt\":\"猫 \\\"x\\\"\",\"b64_json\":\"" + second
      + "\",\"usage\":{\"generated_images\":1}}");
    assertThat(text(two.inlineImage())).as("offsets after a jump are the event's").isEqualTo(second);
    assertThat(two.fields().getString("prompt")).isEqualTo("猫 \"x\"");
    assertThat(two.fields().getJsonObject("usage").getInteger("generated_images")).isEqualTo(1);
    for (String bad : new String[] {"{\"b64_json\":\"" + first + "\",}", "{\"b64_json\":\"" + first + "\" \"x\":1}",
      "{\"b64_json\":\"" + first + "\"", "{\"b64_json\":\"" + first + "\"}}"}) {
      assertThatThrownBy(() -> parse(bad)).as("malformed after the image").isInstanceOf(IOException.class);
    }
  }

  private static String largeJpeg(int bytes, long seed) {
    byte[] jpeg = new byte[bytes];
    new java.util.Random(seed).nextBytes(jpeg);
    System.arraycopy(InlineImageTest.JPEG, 0, jpeg, 0, 3);
    return Base64.getEncoder().encodeToString(jpeg);
  }

  @Test
  @DisplayName("anything but one JSON object is refused")
  void notAnObject() {
    for (String bad : new String[] {"[1,2]", "\"text\"", "{\"a\":1} {}", "{\"b64_json\":\"" + JPEG_B64, "", "{\"a\":}"}) {
      assertThatThrownBy(() -> parse(bad)).as(bad).isInstanceOf(IOException.class);
    }
  }
}
