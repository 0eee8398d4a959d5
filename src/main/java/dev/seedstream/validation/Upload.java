package dev.seedstream.validation;

/** A stored reference image as clients see it: refer to it in a request as {@code upload:<id>}. */
public record Upload(String id, String format, int width, int height, long bytes) {

  public ImageInfo info() {
    return new ImageInfo(format, width, height);
  }
}
