package dev.seedstream.simulator;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The width and height an image is generated at. {@link #parse} applies the model's rules for
 * {@code size}: a class ({@code 1K}/{@code 2K}/{@code 4K}) or {@code WxH} inside the pixel and
 * aspect-ratio ranges. A class is resolved to its square size because the simulator has no model
 * to pick an aspect ratio from the prompt.
 */
record ImageSize(int width, int height) {

  static final ImageSize DEFAULT = new ImageSize(2048, 2048);

  private static final Pattern EXPLICIT = Pattern.compile("(\\d{1,5})x(\\d{1,5})");
  private static final Map<String, ImageSize> CLASSES = Map.of(
    "1K", new ImageSize(1024, 1024), "2K", DEFAULT, "4K", new ImageSize(4096, 4096));
  private static final int MAX_RATIO = 16;

  static ImageSize parse(Object size, SeedreamModel model) {
    if (size == null) {
      return DEFAULT;
    }
    if (!(size instanceof String text)) {
      throw UpstreamError.invalidParameter("size");
    }
    if (CLASSES.containsKey(text)) {
      return sizeClass(text, model);
    }
    Matcher matcher = EXPLICIT.matcher(text);
    if (!matcher.matches()) {
      throw UpstreamError.invalidParameter("size");
    }
    return explicit(Integer.parseInt(matcher.group(1)), Integer.parseInt(matcher.group(2)), model);
  }

  long pixels() {
    return (long) width * height;
  }

  /** The wire form, {@code 2048x2048}, with an ASCII x as in every captured sample. */
  String label() {
    return width + "x" + height;
  }

  private static ImageSize sizeClass(String text, SeedreamModel model) {
    if (!model.acceptsSizeClass(text)) {
      throw UpstreamError.invalidParameter("size", text + " is not supported by the current model");
    }
    return CLASSES.get(text);
  }

  private static ImageSize explicit(int width, int height, SeedreamModel model) {
    ImageSize size = new ImageSize(width, height);
    if (size.pixels() < model.minPixels()) {
      throw UpstreamError.invalidParameter("size", "image size must be at least " + model.minPixels() + " pixels");
    }
    if (size.pixels() > SeedreamModel.MAX_PIXELS) {
      throw UpstreamError.invalidParameter("size",
        "image size must be at most " + SeedreamModel.MAX_PIXELS + " pixels");
    }
    if ((long) width > (long) height * MAX_RATIO || (long) height > (long) width * MAX_RATIO) {
      throw UpstreamError.invalidParameter("size", "aspect ratio must be between 1/16 and 16");
    }
    return size;
  }
}
