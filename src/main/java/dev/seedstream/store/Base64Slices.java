package dev.seedstream.store;

/**
 * Decodes padded base64 a slice at a time into a buffer the caller reuses, so decoding a multi-megabyte
 * image allocates nothing. The JDK's decoder either decodes a whole array into a new one or reads a
 * stream a byte at a time.
 */
final class Base64Slices {

  private static final byte[] VALUE = new byte[256];

  static {
    java.util.Arrays.fill(VALUE, (byte) -1);
    byte[] alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
      .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    for (int i = 0; i < alphabet.length; i++) {
      VALUE[alphabet[i]] = (byte) i;
    }
  }

  private Base64Slices() {
  }

  /**
   * Decodes {@code text[from, to)} into {@code out} (at least {@code (to - from) / 4 * 3} bytes) and returns
   * how many bytes it wrote, or -1 when the slice is not whole groups of four base64 characters, with
   * padding ({@code =} or {@code ==}) only in the last group of the text: {@code endsText} says whether the
   * slice's last group ends the text, which may go on past {@code to} or in another array.
   */
  static int decode(byte[] text, int from, int to, boolean endsText, byte[] out) {
    if ((to - from) % 4 != 0) {
      return -1;
    }
    int written = 0;
    for (int i = from; i < to; i += 4) {
      int a = VALUE[text[i] & 0xff];
      int b = VALUE[text[i + 1] & 0xff];
      int c = VALUE[text[i + 2] & 0xff];
      int d = VALUE[text[i + 3] & 0xff];
      if ((a | b | c | d) >= 0) {
        int group = a << 18 | b << 12 | c << 6 | d;
        out[written++] = (byte) (group >> 16);
        out[written++] = (byte) (group >> 8);
        out[written++] = (byte) group;
        continue;
      }
      boolean last = endsText && i + 4 == to;
      if (!last || a < 0 || b < 0 || text[i + 3] != '=') {
        return -1;
      }
      out[written++] = (byte) ((a << 2) | (b >> 4));
      if (text[i + 2] != '=') {
        if (c < 0) {
          return -1;
        }
        out[written++] = (byte) ((b << 4) | (c >> 2));
      }
    }
    return written;
  }
}
