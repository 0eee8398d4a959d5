package dev.seedstream.store;

import java.nio.file.Path;

/** Image bytes written to a temporary file, with what the store needs to file and serve them. */
record Blob(Path file, String sha256, long crc32, long bytes, String format) {

  String mediaType() {
    return "image/" + format;
  }
}
