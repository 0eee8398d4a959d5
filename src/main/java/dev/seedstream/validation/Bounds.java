package dev.seedstream.validation;

/** An inclusive integer range from the catalogue, such as total pixels or {@code max_images}. */
public record Bounds(long min, long max) {

  public boolean contains(long value) {
    return value >= min && value <= max;
  }

  public String describe() {
    return "[" + min + ", " + max + "]";
  }
}
