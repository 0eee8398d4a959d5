package dev.seedstream.validation;

import java.util.Optional;

/** An exact {@code WIDTHxHEIGHT} size, as the upstream accepts it (lower-case x, no leading zeros). */
public record PixelSize(int width, int height) {

  /** Digits a side may have: more than any upstream size, few enough that a side always fits an int. */
  private static final int MAX_DIGITS = 6;

  /**
   * {@code text} as {@code WIDTHxHEIGHT}, each side 1 to 6 digits without a leading zero. Read by hand, not by
   * a regular expression: every image event's size goes through here, and a matcher's groups allocated about
   * a kilobyte per image on the relay's thread.
   */
  public static Optional<PixelSize> parse(String text) {
    int x = text.indexOf('x');
    if (x < 0) {
      return Optional.empty();
    }
    int width = side(text, 0, x);
    int height = side(text, x + 1, text.length());
    return width < 0 || height < 0 ? Optional.empty() : Optional.of(new PixelSize(width, height));
  }

  /** The number in {@code text[from, to)}, or -1 when it is not 1 to 6 digits without a leading zero. */
  private static int side(String text, int from, int to) {
    if (to - from < 1 || to - from > MAX_DIGITS || text.charAt(from) == '0') {
      return -1;
    }
    int value = 0;
    for (int i = from; i < to; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }

  public long pixels() {
    return (long) width * height;
  }

  @Override
  public String toString() {
    return width + "x" + height;
  }
}
