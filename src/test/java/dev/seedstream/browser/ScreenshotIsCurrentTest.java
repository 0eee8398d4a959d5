package dev.seedstream.browser;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The README's screenshot shows the page as it is: the picture carries the fingerprint of the web/ files
 * it was taken from (see {@link PageScreenshot}). No browser and no pixel comparison, so it cannot be
 * flaky; it fails only when the page changed and the picture was not taken again.
 */
@DisplayName("The README's screenshot")
class ScreenshotIsCurrentTest {

  @Test
  @DisplayName("docs/screenshot.png was taken from the page as it is now")
  void committedScreenshotShowsTheCurrentPage() throws IOException {
    byte[] committed = Files.readAllBytes(PageScreenshot.COMMITTED);
    assertThat(PageScreenshot.stampOf(committed))
      .as("the page fingerprint in %s; after changing web/, take the picture again with:%n  %s",
        PageScreenshot.COMMITTED, PageScreenshot.REGENERATE)
      .contains(PageScreenshot.pageFingerprint(PageScreenshot.WEB));
    assertThat(ImageIO.read(new ByteArrayInputStream(committed))).as("a readable PNG").isNotNull();
  }

  @Test
  @DisplayName("the stamp survives as a valid PNG chunk and reads back")
  void stampReadsBack() throws IOException {
    byte[] png = png();
    assertThat(PageScreenshot.stampOf(png)).isEmpty();

    byte[] stamped = PageScreenshot.stamp(png, "abc123");

    assertThat(PageScreenshot.stampOf(stamped)).contains("abc123");
    BufferedImage read = ImageIO.read(new ByteArrayInputStream(stamped));
    assertThat(read.getWidth()).isEqualTo(7);
    assertThatThrownBy(() -> PageScreenshot.stamp("GIF89a not a png at all, no".getBytes(), "x"))
      .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  @DisplayName("the fingerprint follows every page file's content and name, but not its line endings")
  void fingerprintFollowsThePage(@TempDir Path web) throws IOException {
    Files.writeString(web.resolve("index.html"), "<p>one</p>\n<p>two</p>\n");
    Files.createDirectories(web.resolve("js"));
    Files.writeString(web.resolve("js/app.js"), "'use strict';\n");
    String before = PageScreenshot.pageFingerprint(web);

    Files.writeString(web.resolve("index.html"), "<p>one</p>\r\n<p>two</p>\r\n");
    assertThat(PageScreenshot.pageFingerprint(web)).as("CRLF checkout").isEqualTo(before);

    Files.writeString(web.resolve("js/app.js"), "'use strict'; // changed\n");
    assertThat(PageScreenshot.pageFingerprint(web)).as("a changed script").isNotEqualTo(before);

    Files.writeString(web.resolve("js/app.js"), "'use strict';\n");
    Files.move(web.resolve("js/app.js"), web.resolve("js/main.js"));
    assertThat(PageScreenshot.pageFingerprint(web)).as("a renamed script").isNotEqualTo(before);
  }

  static byte[] png() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(new BufferedImage(7, 5, BufferedImage.TYPE_INT_RGB), "png", out);
    return out.toByteArray();
  }
}
