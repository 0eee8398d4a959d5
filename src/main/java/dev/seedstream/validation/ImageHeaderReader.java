package dev.seedstream.validation;

import java.util.zip.CRC32;

/**
 * Reads format and dimensions from a PNG or JPEG header without decoding pixels. The input is
 * untrusted: every read is bounds-checked, nothing is allocated in proportion to it, and every
 * failure is an {@link ImageHeaderException} with a specific message.
 */
public final class ImageHeaderReader {

  private static final byte[] PNG_SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  private static final byte[] JPEG_SOI = {(byte) 0xFF, (byte) 0xD8};
  private static final int PNG_IHDR_END = 33; // signature 8 + length 4 + type 4 + data 13 + CRC 4
  private static final int IHDR_LENGTH = 13;

  private ImageHeaderReader() {
  }

  public static ImageInfo read(byte[] bytes) {
    if (startsWith(bytes, PNG_SIGNATURE)) {
      return readPng(bytes);
    }
    if (startsWith(bytes, JPEG_SOI)) {
      return JpegMarkers.readFrame(bytes);
    }
    if (startsWith(PNG_SIGNATURE, bytes) || startsWith(JPEG_SOI, bytes)) {
      throw new ImageHeaderException("truncated header: only " + bytes.length + " bytes");
    }
    throw new ImageHeaderException("not a PNG or JPEG image");
  }

  private static ImageInfo readPng(byte[] bytes) {
    if (bytes.length < PNG_IHDR_END) {
      throw new ImageHeaderException("truncated header: a PNG needs " + PNG_IHDR_END + " bytes up to its IHDR chunk, got " + bytes.length);
    }
    if (int32(bytes, 8) != IHDR_LENGTH || !isIhdrType(bytes)) {
      throw new ImageHeaderException("corrupt header: a PNG must start with a 13-byte IHDR chunk");
    }
    if (!ihdrCrcMatches(bytes)) {
      throw new ImageHeaderException("corrupt header: the PNG IHDR checksum does not match");
    }
    long width = int32(bytes, 16);
    long height = int32(bytes, 20);
    if (width > Integer.MAX_VALUE || height > Integer.MAX_VALUE) {
      throw new ImageHeaderException("corrupt header: PNG dimensions above 2^31-1");
    }
    return dimensions("png", (int) width, (int) height);
  }

  static ImageInfo dimensions(String format, int width, int height) {
    if (width == 0 || height == 0) {
      throw new ImageHeaderException("zero dimension: the " + format + " header says " + width + "x" + height);
    }
    return new ImageInfo(format, width, height);
  }

  private static boolean isIhdrType(byte[] bytes) {
    return bytes[12] == 'I' && bytes[13] == 'H' && bytes[14] == 'D' && bytes[15] == 'R';
  }

  private static boolean ihdrCrcMatches(byte[] bytes) {
    var crc = new CRC32();
    crc.update(bytes, 12, 4 + IHDR_LENGTH);
    return crc.getValue() == int32(bytes, 29);
  }

  private static long int32(byte[] bytes, int at) {
    return ((long) (bytes[at] & 0xFF) << 24) | ((bytes[at + 1] & 0xFF) << 16) | ((bytes[at + 2] & 0xFF) << 8) | (bytes[at + 3] & 0xFF);
  }

  /** True also when {@code prefix} is empty, so that empty input counts as truncated. */
  private static boolean startsWith(byte[] bytes, byte[] prefix) {
    if (bytes.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (bytes[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }
}
