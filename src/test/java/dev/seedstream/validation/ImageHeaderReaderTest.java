package dev.seedstream.validation;

import dev.seedstream.failure.ApiException;
import dev.seedstream.failure.Violation;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import static dev.seedstream.validation.TestImages.bytes;
import static dev.seedstream.validation.TestImages.concat;
import static dev.seedstream.validation.TestImages.dataUri;
import static dev.seedstream.validation.TestImages.jpeg;
import static dev.seedstream.validation.TestImages.png;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class ImageHeaderReaderTest {

  private static final String MODEL = "doubao-seedream-4-0-250828";
  private static final RequestValidator VALIDATOR = new RequestValidator(
    ModelCatalog.load(Path.of("conf/models.json")),
    new UploadStore(Duration.ofMinutes(10), 64L << 20, 64L << 20, Clock.systemUTC()), 4000);

  @Test
  @DisplayName("a 1x1 PNG and a 1x1 JPEG header are read")
  void readsOnePixelImages() {
    assertThat(ImageHeaderReader.read(png(1, 1))).isEqualTo(new ImageInfo("png", 1, 1));
    assertThat(ImageHeaderReader.read(jpeg(1, 1))).isEqualTo(new ImageInfo("jpeg", 1, 1));
  }

  @Test
  @DisplayName("the largest dimensions each format can express are read without overflow")
  void readsLargeDimensions() {
    assertThat(ImageHeaderReader.read(png(Integer.MAX_VALUE, 70000))).isEqualTo(new ImageInfo("png", Integer.MAX_VALUE, 70000));
    assertThat(ImageHeaderReader.read(jpeg(65535, 65535))).isEqualTo(new ImageInfo("jpeg", 65535, 65535));
  }

  @Test
  @DisplayName("real images written by ImageIO are read with their true dimensions")
  void readsRealImages() {
    assertThat(ImageHeaderReader.read(TestImages.real("png", 37, 23))).isEqualTo(new ImageInfo("png", 37, 23));
    assertThat(ImageHeaderReader.read(TestImages.real("jpg", 640, 480))).isEqualTo(new ImageInfo("jpeg", 640, 480));
  }

  @ParameterizedTest(name = "JPEG frame marker 0x{0} is a frame header")
  @CsvSource({"C0", "C1", "C2", "C3", "C5", "C6", "C7", "C9", "CA", "CB", "CD", "CE", "CF"})
  void readsEveryFrameType(String marker) {
    assertThat(ImageHeaderReader.read(TestImages.jpegWithFrame(Integer.parseInt(marker, 16), 300, 200)))
      .isEqualTo(new ImageInfo("jpeg", 300, 200));
  }

  @Test
  @DisplayName("DHT, JPG and DAC share the SOF range but are skipped as ordinary segments")
  void skipsNonFrameMarkersInSofRange() {
    byte[] image = concat(bytes(0xFF, 0xD8),
      TestImages.segment(0xC4, new byte[20]), TestImages.segment(0xC8, new byte[3]), TestImages.segment(0xCC, new byte[4]),
      TestImages.sof(0xC0, 40, 30));
    assertThat(ImageHeaderReader.read(image)).isEqualTo(new ImageInfo("jpeg", 40, 30));
  }

  @Test
  @DisplayName("fill bytes before a marker and standalone markers are honoured")
  void honoursFillBytesAndStandaloneMarkers() {
    byte[] image = concat(bytes(0xFF, 0xD8, 0xFF, 0xFF, 0xFF, 0x01, 0xFF, 0xD3), TestImages.segment(0xFE, "hi".getBytes()),
      bytes(0xFF, 0xFF), TestImages.sof(0xC2, 17, 19));
    assertThat(ImageHeaderReader.read(image)).isEqualTo(new ImageInfo("jpeg", 17, 19));
  }

  @Test
  @DisplayName("a segment length that points past the SOF is followed, not the bytes that look like one")
  void followsSegmentLengths() {
    byte[] hiddenSof = TestImages.sof(0xC0, 1, 1);
    byte[] image = concat(bytes(0xFF, 0xD8), TestImages.segment(0xE1, hiddenSof), TestImages.sof(0xC0, 800, 600));
    assertThat(ImageHeaderReader.read(image)).isEqualTo(new ImageInfo("jpeg", 800, 600));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
    "empty input                       | ''",
    "half a PNG signature              | 89504E47",
    "PNG cut inside IHDR               | 89504E470D0A1A0A0000000D4948445200000010",
    "lone JPEG SOI byte                | FF",
    "JPEG ending after SOI             | FFD8",
    "JPEG ending inside a marker       | FFD8FFFF",
    "JPEG ending inside a length       | FFD8FFE000",
    "JPEG segment running past the end | FFD8FFE000104A464946",
  })
  void rejectsTruncatedHeaders(String name, String hex) {
    assertThatThrownBy(() -> ImageHeaderReader.read(hex(hex)))
      .isInstanceOf(ImageHeaderException.class)
      .hasMessageStartingWith("truncated header");
  }

  @Test
  @DisplayName("a PNG whose first chunk is not IHDR, or whose IHDR checksum is wrong, is corrupt")
  void rejectsCorruptPng() {
    byte[] wrongType = png(10, 10);
    wrongType[15] = 'X';
    byte[] wrongCrc = png(10, 10);
    wrongCrc[30] ^= 1;
    byte[] wrongLength = png(10, 10);
    wrongLength[11] = 12;
    for (byte[] image : new byte[][] {wrongType, wrongCrc, wrongLength}) {
      assertThatThrownBy(() -> ImageHeaderReader.read(image)).isInstanceOf(ImageHeaderException.class)
        .hasMessageStartingWith("corrupt header");
    }
  }

  @Test
  @DisplayName("a JPEG with garbage where a marker belongs, a bad length or a scan before the frame is corrupt")
  void rejectsCorruptJpeg() {
    byte[][] corrupt = {
      concat(bytes(0xFF, 0xD8, 0x12, 0x34), TestImages.sof(0xC0, 10, 10)),
      concat(bytes(0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x01), TestImages.sof(0xC0, 10, 10)),
      concat(bytes(0xFF, 0xD8, 0xFF, 0xDA, 0x00, 0x02), TestImages.sof(0xC0, 10, 10)),
      concat(bytes(0xFF, 0xD8, 0xFF, 0xD9), TestImages.sof(0xC0, 10, 10)),
      concat(bytes(0xFF, 0xD8, 0xFF, 0x00), TestImages.sof(0xC0, 10, 10)),
      concat(bytes(0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x05, 0x08, 0x00, 0x10)),
    };
    for (byte[] image : corrupt) {
      assertThatThrownBy(() -> ImageHeaderReader.read(image)).isInstanceOf(ImageHeaderException.class)
        .hasMessageStartingWith("corrupt header");
    }
  }

  @Test
  @DisplayName("GIF, WebP and text are not PNG or JPEG")
  void rejectsOtherFormats() {
    for (String text : new String[] {"GIF89a\u0001\u0000\u0001\u0000", "RIFF\u0000\u0000\u0000\u0000WEBPVP8 ", "hello world"}) {
      assertThatThrownBy(() -> ImageHeaderReader.read(text.getBytes())).isInstanceOf(ImageHeaderException.class)
        .hasMessage("not a PNG or JPEG image");
    }
  }

  @Test
  @DisplayName("a zero width or height is refused in both formats")
  void rejectsZeroDimensions() {
    for (byte[] image : new byte[][] {png(0, 10), png(10, 0), jpeg(0, 10), jpeg(10, 0)}) {
      assertThatThrownBy(() -> ImageHeaderReader.read(image)).isInstanceOf(ImageHeaderException.class)
        .hasMessageStartingWith("zero dimension");
    }
  }

  // The seed's per-image rules, checked through the validator on data: URIs.

  @ParameterizedTest(name = "{0}x{1} {2}: accepted={3}")
  @CsvSource({
    "14, 14, png, false", "15, 15, png, true", "14, 15, jpeg, false", "15, 15, jpeg, true",
    "6001, 6000, png, false", "6000, 6000, png, true", "6000, 6001, jpeg, false",
    "301, 100, png, false", "300, 100, png, true", "100, 300, png, true", "100, 301, jpeg, false",
  })
  void appliesReferenceImageRules(int width, int height, String format, boolean accepted) {
    byte[] image = format.equals("png") ? png(width, height) : jpeg(width, height);
    assertThat(problemsOf(dataUri("image/" + format, image))).as("violations").satisfies(violations -> {
      if (accepted) {
        assertThat(violations).isEmpty();
      } else {
        assertThat(violations).hasSize(1).allSatisfy(v -> assertThat(v.field()).isEqualTo("image[0]"));
      }
    });
  }

  @Test
  @DisplayName("a PNG declared as image/jpeg is refused")
  void rejectsPngDeclaredAsJpeg() {
    assertThat(problemsOf(dataUri("image/jpeg", png(100, 100))))
      .singleElement().satisfies(v -> assertThat(v.message()).contains("declared as image/jpeg but the data is a png image"));
  }

  @Test
  @DisplayName("a data URI of exactly 10485760 bytes is accepted and one byte more is refused")
  void appliesTheTenMegabyteBoundary() {
    assertThat(problemsOf(dataUri("image/png", TestImages.padded(png(1000, 1000), 10_485_760)))).isEmpty();
    assertThat(problemsOf(dataUri("image/png", TestImages.padded(png(1000, 1000), 10_485_761))))
      .singleElement().satisfies(v -> assertThat(v.message()).contains("10485761 bytes, more than the 10485760 allowed"));
  }

  private static List<Violation> problemsOf(String dataUri) {
    JsonObject body = new JsonObject().put("model", MODEL).put("prompt", "a cat")
      .put("image", new JsonArray().add(dataUri));
    ApiException error = catchThrowableOfType(ApiException.class, () -> VALIDATOR.validate(body));
    return error == null ? List.of() : error.violations();
  }

  private static byte[] hex(String hex) {
    byte[] out = new byte[hex.length() / 2];
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
    }
    return out;
  }
}
