package dev.seedstream.upstream;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Locale;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Key redaction")
class KeyRedactorTest {

  static final String SK = "sk-CANARY-test-key-0123456789abcdef";
  static final String ARK = "3f2a9c1e-7b4d-4e8a-9f60-2c5d8e1b7a43";

  static String scanned(KeyRedactor redactor, String text, int pieceLength) {
    StringBuilder out = new StringBuilder();
    KeyRedactor.Scan scan = redactor.scan(out::append);
    for (int i = 0; i < text.length(); i += pieceLength) {
      text.substring(i, Math.min(text.length(), i + pieceLength)).chars().forEach(c -> scan.accept((char) c));
    }
    scan.finish();
    return out.toString();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {SK, ARK})
  @DisplayName("the key, upper-cased, cut by two at either end, or any 12 of its characters in a row, is redacted")
  void everyRunOfTheKeyIsRedacted(String key) {
    KeyRedactor redactor = new KeyRedactor(key);
    for (String echo : new String[] {key, key.toUpperCase(Locale.ROOT), key.substring(2), key.substring(0, key.length() - 2),
      key.substring(5, 17)}) {
      String text = "the key " + echo + " is invalid";
      assertThat(redactor.redact(text)).isEqualTo("the key [redacted] is invalid");
      assertThat(scanned(redactor, text, 1)).isEqualTo("the key [redacted] is invalid");
      assertThat(scanned(redactor, text, 5)).isEqualTo("the key [redacted] is invalid");
    }
  }

  @Test
  @DisplayName("eleven characters of the key, and text that only looks like a key, are left alone")
  void shortRunsAndOtherTextStay() {
    KeyRedactor redactor = new KeyRedactor(SK);
    String text = "sk-CANARY-t / sk-OTHER-test-key-9876543210 / request id: 02178116166633916105250997c3183a";
    assertThat(redactor.redact(text)).isEqualTo(text);
    assertThat(scanned(redactor, text, 3)).isEqualTo(text);
  }

  @Test
  @DisplayName("runs next to each other or repeated become one mark each, and the text around them is kept")
  void adjacentRuns() {
    KeyRedactor redactor = new KeyRedactor(ARK);
    assertThat(redactor.redact(ARK + ARK.toUpperCase(Locale.ROOT) + "!" + ARK + "x"))
      .isEqualTo("[redacted]![redacted]x");
  }

  @Test
  @DisplayName("a key shorter than twelve characters is redacted whole; no key, nothing")
  void shortAndMissingKeys() {
    assertThat(new KeyRedactor("abc123").redact("key ABC123.")).isEqualTo("key [redacted].");
    assertThat(new KeyRedactor(null).redact("key ABC123.")).isEqualTo("key ABC123.");
    assertThat(new KeyRedactor("").redact("key ABC123.")).isEqualTo("key ABC123.");
  }

  @Test
  @DisplayName("text and JSON without the key come back as they are, not copied; with it, redacted at any depth")
  void cleanTextIsReturnedItself() {
    KeyRedactor redactor = new KeyRedactor(SK);
    String clean = "{\"url\":\"https://tos.example.com/0.jpeg?X-Tos-Expires=86400\",\"size\":\"2048x2048\"}";
    assertThat(redactor.redact(clean)).isSameAs(clean);
    JsonObject usage = new JsonObject().put("generated_images", 3).put("notes", new JsonArray().add("fine").add(1));
    assertThat(redactor.redactJson(usage)).isSameAs(usage);

    JsonObject echoed = new JsonObject().put("generated_images", 3)
      .put("notes", new JsonArray().add("fine").add(new JsonObject().put("key " + SK.substring(3), SK.toUpperCase(Locale.ROOT))));
    JsonObject redacted = (JsonObject) redactor.redactJson(echoed);
    assertThat(redacted.encode()).doesNotContain(SK.substring(3, 15)).doesNotContainIgnoringCase(SK.substring(3, 15))
      .contains("{\"key [redacted]\":\"[redacted]\"}");
  }

  @Test
  @DisplayName("the quick check agrees with the full scan on random text made of pieces of the key and noise")
  void quickCheckAgreesWithTheScan() {
    KeyRedactor redactor = new KeyRedactor(ARK);
    Random random = new Random(20261207);
    String noise = "abcdef0123456789-_ xyzK\u212A\u017F\u00e9";
    for (int round = 0; round < 20_000; round++) {
      StringBuilder text = new StringBuilder();
      int parts = 1 + random.nextInt(4);
      for (int p = 0; p < parts; p++) {
        if (random.nextBoolean()) {
          int from = random.nextInt(ARK.length());
          int to = Math.min(ARK.length(), from + 8 + random.nextInt(8));
          String piece = ARK.substring(from, to);
          text.append(random.nextBoolean() ? piece : piece.toUpperCase(Locale.ROOT));
        } else {
          for (int n = random.nextInt(6); n > 0; n--) {
            text.append(noise.charAt(random.nextInt(noise.length())));
          }
        }
      }
      String t = text.toString();
      assertThat(redactor.redact(t)).as(t).isEqualTo(scanned(redactor, t, 1 + random.nextInt(5)));
    }
  }
}
