package dev.seedstream.validation;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

import java.util.regex.Pattern;

/**
 * An exact aspect ratio such as {@code 1/16} or {@code 3/1}. Ratios are compared by integer
 * cross-multiplication so that the seed's boundaries (docs/upstream-protocol.md §2.3: exactly 1/16,
 * exactly 16, exactly 3) are accepted and nothing beyond them slips through a floating-point rounding.
 */
public record Ratio(long numerator, long denominator) {

  // Six digits each keep every cross product of a ratio and a WxH size far inside a long.
  private static final Pattern RATIONAL = Pattern.compile("([1-9][0-9]{0,5})/([1-9][0-9]{0,5})");

  public Ratio {
    if (numerator <= 0 || denominator <= 0) {
      throw new IllegalArgumentException("a ratio needs a positive numerator and denominator");
    }
  }

  @JsonCreator
  public static Ratio parse(String text) {
    var matcher = RATIONAL.matcher(text == null ? "" : text);
    if (!matcher.matches()) {
      throw new IllegalArgumentException("ratio \"" + text + "\" is not of the form N/D with positive integers");
    }
    return new Ratio(Long.parseLong(matcher.group(1)), Long.parseLong(matcher.group(2)));
  }

  /** Negative, zero or positive as width/height is below, equal to or above this ratio. */
  public int compareToSize(long width, long height) {
    return Long.compare(width * denominator, height * numerator);
  }

  public boolean isAbove(Ratio other) {
    return numerator * other.denominator > other.numerator * denominator;
  }

  @JsonValue
  @Override
  public String toString() {
    return numerator + "/" + denominator;
  }
}
