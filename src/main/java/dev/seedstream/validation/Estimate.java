package dev.seedstream.validation;

/**
 * The worst case a request can cost, for dry runs: the most images it may produce and the output
 * tokens they would bill, using the upstream's rule tokens = w·h / 256 per image.
 */
public record Estimate(int maxImages, long maxOutputTokens) {

  private static final int PIXELS_PER_TOKEN = 256;

  public static Estimate of(ModelSpec model, String size, int images) {
    long pixels = model.largestOutput(size).pixels() * images;
    // Round up: an upper bound must never be below what the upstream bills.
    return new Estimate(images, (pixels + PIXELS_PER_TOKEN - 1) / PIXELS_PER_TOKEN);
  }
}
