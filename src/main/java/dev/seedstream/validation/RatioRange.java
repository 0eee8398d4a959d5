package dev.seedstream.validation;

/** An inclusive range of aspect ratios (width / height), as the catalogue writes them. */
public record RatioRange(Ratio min, Ratio max) {

  public boolean admits(long width, long height) {
    return min.compareToSize(width, height) >= 0 && max.compareToSize(width, height) <= 0;
  }

  public RatioRange widen(RatioRange other) {
    return new RatioRange(other.min.isAbove(min) ? min : other.min, max.isAbove(other.max) ? max : other.max);
  }

  public String describe() {
    return "[" + min + ", " + max + "]";
  }
}
