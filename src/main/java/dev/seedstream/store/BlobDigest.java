package dev.seedstream.store;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.CRC32;

/**
 * Everything the store learns from an image's bytes in one pass as they stream by: the sha256 that names
 * the file, the CRC-32 a zip entry needs up front, the length, and the format from the magic bytes.
 */
final class BlobDigest {

  private static final int HEAD_BYTES = 12;

  private final MessageDigest sha256;
  private final CRC32 crc = new CRC32();
  private final byte[] head = new byte[HEAD_BYTES];
  private long bytes;

  BlobDigest() {
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  void update(byte[] chunk) {
    update(chunk, 0, chunk.length);
  }

  void update(byte[] chunk, int offset, int length) {
    sha256.update(chunk, offset, length);
    crc.update(chunk, offset, length);
    if (bytes < HEAD_BYTES) {
      System.arraycopy(chunk, offset, head, (int) bytes, (int) Math.min(length, HEAD_BYTES - bytes));
    }
    bytes += length;
  }

  long bytes() {
    return bytes;
  }

  /** The result; fails when the bytes are not a JPEG, PNG or WebP image, which the store refuses to serve. */
  Blob finish(java.nio.file.Path file) throws UnsupportedImageException {
    String format = format();
    if (format == null) {
      throw new UnsupportedImageException("the " + bytes + " bytes are not a JPEG, PNG or WebP image");
    }
    return new Blob(file, HexFormat.of().formatHex(sha256.digest()), crc.getValue(), bytes, format);
  }

  private String format() {
    if (bytes >= 3 && (head[0] & 0xFF) == 0xFF && (head[1] & 0xFF) == 0xD8 && (head[2] & 0xFF) == 0xFF) {
      return "jpeg";
    }
    if (bytes >= 8 && (head[0] & 0xFF) == 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G') {
      return "png";
    }
    if (bytes >= 12 && head[0] == 'R' && head[1] == 'I' && head[2] == 'F' && head[3] == 'F'
      && head[8] == 'W' && head[9] == 'E' && head[10] == 'B' && head[11] == 'P') {
      return "webp";
    }
    return null;
  }
}
