package dev.seedstream.validation;

/** The bytes are not a PNG or JPEG whose header can be read; the message says what is wrong. */
public class ImageHeaderException extends RuntimeException {

  public ImageHeaderException(String message) {
    // No stack trace: this is an answer about user input, thrown for every bad upload.
    super(message, null, false, false);
  }
}
