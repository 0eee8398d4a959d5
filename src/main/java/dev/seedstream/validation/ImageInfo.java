package dev.seedstream.validation;

/** What an image header says: its format ({@code "png"} or {@code "jpeg"}) and its dimensions. */
public record ImageInfo(String format, int width, int height) {

  public long pixels() {
    return (long) width * height;
  }
}
