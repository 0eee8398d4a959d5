package dev.seedstream.upstream;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@DisplayName("Untrusted upstream data: b64_json, image URLs, error text")
class InlineImageTest {

  static final byte[] JPEG = {(byte) 0xff, (byte) 0xd8, (byte) 0xff, (byte) 0xe0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1};
  static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};

  static boolean isJpegOrPng(String b64) {
    InlineImage image = InlineImage.parse(b64);
    return image != null && image.isJpegOrPng();
  }

  static String b64(byte[] bytes) {
    return Base64.getEncoder().encodeToString(bytes);
  }

  @Test
  @DisplayName("X4 b64: complete JPEG and PNG base64 passes")
  void imagesPass() {
    assertThat(isJpegOrPng(b64(JPEG))).isTrue();
    assertThat(isJpegOrPng(b64(PNG))).isTrue();
  }

  @Test
  @DisplayName("X4 b64: HTML, a JPEG head with a broken tail, bad padding, URL-safe or foreign characters are refused")
  void othersRefused() {
    String jpeg = b64(JPEG);
    assertThat(isJpegOrPng(b64("<html><script>alert(1)</script></html>".getBytes(StandardCharsets.UTF_8)))).isFalse();
    assertThat(isJpegOrPng(jpeg + "!!!!")).as("garbage after a valid head").isFalse();
    assertThat(isJpegOrPng(jpeg.substring(0, jpeg.length() - 1))).as("truncated").isFalse();
    assertThat(isJpegOrPng(jpeg + "=")).as("padding that does not fit").isFalse();
    assertThat(isJpegOrPng(jpeg.substring(0, 8) + "=" + jpeg.substring(9))).as("padding inside").isFalse();
    assertThat(isJpegOrPng(jpeg.replace('/', '_') + "AAAA_AAA")).isFalse();
    assertThat(isJpegOrPng(jpeg.substring(0, 12) + "\n" + jpeg.substring(12, jpeg.length() - 1))).isFalse();
    assertThat(isJpegOrPng("")).isFalse();
    assertThat(isJpegOrPng("/9j/")).as("too short to hold a signature").isFalse();
    byte[] fakePng = PNG.clone();
    fakePng[4] = ' ';
    assertThat(isJpegOrPng(b64(fakePng))).as("PNG signature must be complete").isFalse();
  }

  @Test
  @DisplayName("X4 URLs: javascript:, data:, and with image hosts configured any other host are withheld")
  void urls() {
    List<String> none = List.of();
    assertThat(UpstreamEventMapper.unsafe("javascript:alert(1)", false, null, none)).isNotNull();
    assertThat(UpstreamEventMapper.unsafe("data:text/html;base64,PGh0bWw+", false, null, none)).isNotNull();
    assertThat(UpstreamEventMapper.unsafe("https://tos.example.com/a.jpeg", false, null, none)).isNull();
    List<String> hosts = List.of("https://*.volces.com");
    assertThat(UpstreamEventMapper.unsafe("https://ark.tos-cn-beijing.volces.com/a.jpeg?X-Tos-Signature=1", false, null, hosts)).isNull();
    assertThat(UpstreamEventMapper.unsafe("https://volces.com.evil.example/a.jpeg", false, null, hosts)).isNotNull();
    assertThat(UpstreamEventMapper.unsafe("http://ark.volces.com/a.jpeg", false, null, hosts)).as("scheme must match").isNotNull();
    assertThat(UpstreamEventMapper.unsafe("https://ark.volces.com:8443/a.jpeg", false, null, hosts)).as("port must match").isNotNull();
    assertThat(UpstreamEventMapper.unsafe("https://evil.example/a.jpeg", false, null, hosts)).isNotNull();
    assertThat(UpstreamEventMapper.unsafe(null, true, InlineImage.parse("PGh0bWw+"), none)).isNotNull();
  }

  @Test
  @DisplayName("X1 sanitise: the key, bearer tokens and TOS signatures are removed, control characters and length bounded")
  void sanitise() {
    UpstreamErrors errors = new UpstreamErrors("sk-CANARY-secret-key-123456");
    String clean = errors.sanitise("bad key sk-CANARY-secret-key-123456, Bearer abc.def\r\n\u0000data: {\"fake\":1} "
      + "https://x.volces.com/a.jpeg?X-Tos-Signature=95ed1d75&X-Tos-Credential=AKLT%2F1 " + "y".repeat(1000));
    assertThat(clean).doesNotContain("sk-CANARY").doesNotContain("abc.def").doesNotContain("95ed1d75")
      .doesNotContain("AKLT").doesNotContain("\r").doesNotContain("\n").doesNotContain("\u0000");
    assertThat(clean).contains("data: {\"fake\":1}").contains("X-Tos-Signature=[redacted]");
    assertThat(clean.length()).isLessThanOrEqualTo(401);
  }
}
