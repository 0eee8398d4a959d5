package dev.seedstream.simulator;

/**
 * Everything needed to draw one image again: kept instead of the bytes once the cache evicts them,
 * so memory stays bounded while every URL handed out keeps working.
 */
record ImageRecipe(String prompt, int index, ImageSize size, int scale) {

  private static final int MIN_SIDE = 16;

  int pixelWidth() {
    return Math.max(MIN_SIDE, size.width() / scale);
  }

  int pixelHeight() {
    return Math.max(MIN_SIDE, size.height() / scale);
  }
}
