package dev.seedstream.store;

/** A history page was asked for {@code before} a job the history does not have. */
public final class UnknownCursorException extends RuntimeException {
  UnknownCursorException() {
    super("before names no job in the history", null, false, false);
  }
}
