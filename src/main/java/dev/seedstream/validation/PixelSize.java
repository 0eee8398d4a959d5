package dev.seedstream.validation;

import java.util.Optional;
import java.util.regex.Pattern;

/** An exact {@code WIDTHxHEIGHT} size, as the upstream accepts it (lower-case x, no leading zeros). */
public record PixelSize(int width, int height) {

  private static final Pattern WIDTH_X_HEIGHT = Pattern.compile("([1-9][0-9]{0,5})x([1-9][0-9]{0,5})");

  public static Optional<PixelSize> parse(String text) {
    var matcher = WIDTH_X_HEIGHT.matcher(text);
    if (!matcher.matches()) {
      return Optional.empty();
    }
    return Optional.of(new PixelSize(Integer.parseInt(matcher.group(1)), Integer.parseInt(matcher.group(2))));
  }

  public long pixels() {
    return (long) width * height;
  }

  @Override
  public String toString() {
    return width + "x" + height;
  }
}
