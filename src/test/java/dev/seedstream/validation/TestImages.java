package dev.seedstream.validation;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.zip.CRC32;

/** Hand-built PNG and JPEG headers (and real images from ImageIO) for the tests. */
final class TestImages {

  private TestImages() {
  }

  /** Signature, a correct IHDR chunk and IEND: the smallest file the header reader accepts. */
  static byte[] png(int width, int height) {
    ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(width).putInt(height).put((byte) 8).put((byte) 2)
      .put((byte) 0).put((byte) 0).put((byte) 0);
    return concat(
      new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'},
      chunk("IHDR", ihdr.array()),
      chunk("IEND", new byte[0]));
  }

  static byte[] chunk(String type, byte[] data) {
    byte[] typeBytes = type.getBytes(StandardCharsets.US_ASCII);
    var crc = new CRC32();
    crc.update(typeBytes);
    crc.update(data);
    return ByteBuffer.allocate(12 + data.length).putInt(data.length).put(typeBytes).put(data)
      .putInt((int) crc.getValue()).array();
  }

  /** SOI, JFIF APP0, a quantisation table, a baseline frame header (SOF0), a scan and EOI. */
  static byte[] jpeg(int width, int height) {
    return jpegWithFrame(0xC0, width, height);
  }

  static byte[] jpegWithFrame(int sofMarker, int width, int height) {
    return concat(
      bytes(0xFF, 0xD8),
      bytes(0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00),
      segment(0xDB, new byte[65]),
      sof(sofMarker, width, height),
      bytes(0xFF, 0xDA, 0x00, 0x0C, 0x03, 0x01, 0x00, 0x02, 0x11, 0x03, 0x11, 0x00, 0x3F, 0x00, 0x12, 0x34),
      bytes(0xFF, 0xD9));
  }

  static byte[] sof(int marker, int width, int height) {
    return bytes(0xFF, marker, 0x00, 0x11, 0x08, height >> 8, height & 0xFF, width >> 8, width & 0xFF,
      0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01);
  }

  static byte[] segment(int marker, byte[] payload) {
    int length = payload.length + 2;
    return concat(bytes(0xFF, marker, length >> 8, length & 0xFF), payload);
  }

  static byte[] real(String format, int width, int height) {
    var image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        image.setRGB(x, y, (x * 7 + y * 13) * 0x010203);
      }
    }
    var out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(image, format, out)) {
        throw new IllegalStateException("no ImageIO writer for " + format);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static String dataUri(String mediaType, byte[] content) {
    return "data:" + mediaType + ";base64," + Base64.getEncoder().encodeToString(content);
  }

  /** {@code header} followed by zeros up to exactly {@code size} bytes. */
  static byte[] padded(byte[] header, int size) {
    return Arrays.copyOf(header, size);
  }

  static byte[] bytes(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) values[i];
    }
    return out;
  }

  static byte[] concat(byte[]... parts) {
    var out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }
}
