package dev.seedstream.simulator;

import io.vertx.core.json.JsonObject;

/**
 * Billing of successful images: Ark charges {@code round(Σ width·height / 256)} tokens
 * (docs/upstream-protocol.md §7), so gateway billing tests see realistic numbers.
 */
record ImageUsage(int generatedImages, long pixels) {

  static final ImageUsage NONE = new ImageUsage(0, 0);

  ImageUsage plus(ImageSize size) {
    return new ImageUsage(generatedImages + 1, pixels + size.pixels());
  }

  long tokens() {
    return Math.round(pixels / 256.0);
  }

  /** Ark's {@code usage} object, keys in the order Ark writes them. */
  JsonObject toJson() {
    return new JsonObject()
      .put("generated_images", generatedImages)
      .put("output_tokens", tokens())
      .put("total_tokens", tokens());
  }
}
