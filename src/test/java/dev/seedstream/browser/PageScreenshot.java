package dev.seedstream.browser;

import java.awt.GraphicsEnvironment;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.CRC32;

/**
 * The README's screenshot, made by the browser end-to-end test so it cannot drift from the page. Every
 * run writes {@code target/screenshot.png}; with {@code -Dseedstream.screenshot=docs/screenshot.png} the
 * same picture replaces the committed one. Each picture carries, in a PNG text chunk, a fingerprint of
 * the page it shows (the files under web/), so {@link ScreenshotIsCurrentTest} can tell, without a
 * browser and without comparing pixels, that the committed picture shows the page as it is now.
 */
final class PageScreenshot {

  static final Path WEB = Path.of("web");
  static final Path COMMITTED = Path.of("docs", "screenshot.png");
  static final Path LATEST = Path.of("target", "screenshot.png");
  static final String TARGET_PROPERTY = "seedstream.screenshot";
  static final String REGENERATE = "mvn test -Dtest='BrowserEndToEndTest#groupArrivesImageByImage' -D"
    + TARGET_PROPERTY + "=" + COMMITTED;

  private static final String KEYWORD = "seedstream-page";
  private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  private static final int IHDR_END = SIGNATURE.length + 4 + 4 + 13 + 4;

  private PageScreenshot() {
  }

  /** Writes the stamped picture to target/, and to the path in -Dseedstream.screenshot when given. */
  static void save(byte[] png) {
    byte[] stamped = stamp(png, pageFingerprint(WEB));
    write(LATEST, stamped);
    String target = System.getProperty(TARGET_PROPERTY, "");
    if (!target.isBlank()) {
      requireChineseFont();
      write(Path.of(target), stamped);
    }
  }

  /** The page and the simulated images show 图1, 图2 …; without a font for them the picture shows boxes. */
  private static void requireChineseFont() {
    boolean found = Arrays.stream(GraphicsEnvironment.getLocalGraphicsEnvironment().getAllFonts())
      .anyMatch(font -> font.canDisplay('图'));
    if (!found) {
      throw new IllegalStateException("No font on this machine shows Chinese, so 图1 would be drawn as boxes. "
        + "Install one first, for example: apt-get install -y fonts-wqy-microhei");
    }
  }

  /**
   * SHA-256 over the page's files (path and content, sorted by path), with line endings made
   * LF so a Windows checkout fingerprints the same page the same way.
   */
  static String pageFingerprint(Path webRoot) {
    try (Stream<Path> walk = Files.walk(webRoot)) {
      List<Path> files = walk.filter(Files::isRegularFile).sorted().toList();
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (Path file : files) {
        sha.update(webRoot.relativize(file).toString().replace('\\', '/').getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        sha.update(withoutCarriageReturns(Files.readAllBytes(file)));
        sha.update((byte) 0);
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The fingerprint stamped into a picture, if it has one. */
  static Optional<String> stampOf(byte[] png) {
    requirePng(png);
    ByteBuffer chunks = ByteBuffer.wrap(png, SIGNATURE.length, png.length - SIGNATURE.length);
    while (chunks.remaining() >= 12) {
      int length = chunks.getInt();
      byte[] type = new byte[4];
      chunks.get(type);
      if (length < 0 || length + 4 > chunks.remaining()) {
        return Optional.empty();
      }
      byte[] data = new byte[length];
      chunks.get(data);
      chunks.getInt(); // CRC
      String text = new String(data, StandardCharsets.ISO_8859_1);
      if ("tEXt".equals(new String(type, StandardCharsets.US_ASCII)) && text.startsWith(KEYWORD + "\0")) {
        return Optional.of(text.substring(KEYWORD.length() + 1));
      }
    }
    return Optional.empty();
  }

  /** The picture with a tEXt chunk holding the fingerprint, right after the header chunk. */
  static byte[] stamp(byte[] png, String fingerprint) {
    requirePng(png);
    byte[] data = (KEYWORD + "\0" + fingerprint).getBytes(StandardCharsets.ISO_8859_1);
    byte[] type = "tEXt".getBytes(StandardCharsets.US_ASCII);
    CRC32 crc = new CRC32();
    crc.update(type);
    crc.update(data);
    ByteBuffer chunk = ByteBuffer.allocate(12 + data.length)
      .putInt(data.length).put(type).put(data).putInt((int) crc.getValue());
    ByteArrayOutputStream out = new ByteArrayOutputStream(png.length + chunk.capacity());
    out.write(png, 0, IHDR_END);
    out.writeBytes(chunk.array());
    out.write(png, IHDR_END, png.length - IHDR_END);
    return out.toByteArray();
  }

  private static void requirePng(byte[] png) {
    boolean header = png.length > IHDR_END
      && ByteBuffer.wrap(png, 0, SIGNATURE.length).equals(ByteBuffer.wrap(SIGNATURE))
      && "IHDR".equals(new String(png, SIGNATURE.length + 4, 4, StandardCharsets.US_ASCII));
    if (!header) {
      throw new IllegalArgumentException("not a PNG that starts with its IHDR chunk");
    }
  }

  private static byte[] withoutCarriageReturns(byte[] bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length);
    for (int i = 0; i < bytes.length; i++) {
      if (!(bytes[i] == '\r' && i + 1 < bytes.length && bytes[i + 1] == '\n')) {
        out.write(bytes[i]);
      }
    }
    return out.toByteArray();
  }

  private static void write(Path file, byte[] png) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Files.write(file, png);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
