package dev.seedstream.validation;

/**
 * Walks JPEG markers from SOI to the first frame header (SOF) and reads its dimensions.
 * Segment lengths are honoured and fill bytes (extra 0xFF) skipped; entropy-coded data is never
 * reached because a frame header always comes before the first scan.
 */
final class JpegMarkers {

  private static final int SOS = 0xDA;
  private static final int EOI = 0xD9;
  private static final int SOI = 0xD8;
  private static final int TEM = 0x01;

  private JpegMarkers() {
  }

  static ImageInfo readFrame(byte[] bytes) {
    int at = 2;
    while (true) {
      at = expectMarkerStart(bytes, at);
      int marker = bytes[at] & 0xFF;
      at++;
      if (isStandalone(marker)) {
        continue;
      }
      checkBeforeFrame(marker);
      int length = segmentLength(bytes, at);
      if (isFrameHeader(marker)) {
        return frameDimensions(bytes, at, length);
      }
      at += length;
    }
  }

  /** Returns the index of the marker code after the 0xFF and any fill bytes. */
  private static int expectMarkerStart(byte[] bytes, int at) {
    if (at >= bytes.length) {
      throw new ImageHeaderException("truncated header: the JPEG ends before its frame header");
    }
    if ((bytes[at] & 0xFF) != 0xFF) {
      throw new ImageHeaderException("corrupt header: expected a JPEG marker at byte " + at);
    }
    while (at < bytes.length && (bytes[at] & 0xFF) == 0xFF) {
      at++;
    }
    if (at >= bytes.length) {
      throw new ImageHeaderException("truncated header: the JPEG ends inside a marker");
    }
    return at;
  }

  private static boolean isStandalone(int marker) {
    return marker == TEM || (marker >= 0xD0 && marker <= 0xD7);
  }

  private static void checkBeforeFrame(int marker) {
    if (marker == 0x00 || marker == SOI || marker == EOI || marker == SOS) {
      throw new ImageHeaderException("corrupt header: JPEG marker 0x"
        + Integer.toHexString(marker).toUpperCase() + " before the frame header");
    }
  }

  private static int segmentLength(byte[] bytes, int at) {
    if (at + 2 > bytes.length) {
      throw new ImageHeaderException("truncated header: the JPEG ends inside a segment length");
    }
    int length = ((bytes[at] & 0xFF) << 8) | (bytes[at + 1] & 0xFF);
    if (length < 2) {
      throw new ImageHeaderException("corrupt header: JPEG segment length " + length + " is below 2");
    }
    if (at + length > bytes.length) {
      throw new ImageHeaderException("truncated header: a JPEG segment runs past the end of the data");
    }
    return length;
  }

  // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC), which share the range but are not frames.
  private static boolean isFrameHeader(int marker) {
    return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
  }

  private static ImageInfo frameDimensions(byte[] bytes, int at, int length) {
    // length(2) precision(1) height(2) width(2) components(1), then 3 bytes per component
    if (length < 8) {
      throw new ImageHeaderException("corrupt header: JPEG frame header of " + length + " bytes is too short");
    }
    int components = bytes[at + 7] & 0xFF;
    if (components == 0 || length != 8 + 3 * components) {
      throw new ImageHeaderException("corrupt header: JPEG frame header length does not match its components");
    }
    int height = ((bytes[at + 3] & 0xFF) << 8) | (bytes[at + 4] & 0xFF);
    int width = ((bytes[at + 5] & 0xFF) << 8) | (bytes[at + 6] & 0xFF);
    return ImageHeaderReader.dimensions("jpeg", width, height);
  }
}
