package dev.seedstream.store;

/** Downloaded or decoded bytes that are not an image the store can serve with a truthful Content-Type. */
final class UnsupportedImageException extends Exception {
  UnsupportedImageException(String message) {
    super(message);
  }
}
