package dev.seedstream.store;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Image files named by their sha256 ({@code images/ab/abcd….jpeg}), so one image stored twice is one file.
 * Bytes arrive in {@code images/.incoming/} and are moved into place atomically once complete, so a reader
 * never sees half a file. Every method blocks: call them on worker threads only.
 */
final class BlobFiles {

  private final Path root;
  private final Path incoming;

  BlobFiles(Path dataDir) {
    this.root = dataDir.resolve("images");
    this.incoming = root.resolve(".incoming");
  }

  Path path(String sha256, String format) {
    return root.resolve(sha256.substring(0, 2)).resolve(sha256 + "." + format);
  }

  Path newTempFile() throws IOException {
    Files.createDirectories(incoming);
    return Files.createTempFile(incoming, "img-", ".part");
  }

  /** Moves a complete blob into place; when the same bytes are already stored, the copy is dropped. */
  Path commit(Blob blob) throws IOException {
    Path target = path(blob.sha256(), blob.format());
    if (Files.exists(target)) {
      Files.deleteIfExists(blob.file());
      return target;
    }
    Files.createDirectories(target.getParent());
    try {
      Files.move(blob.file(), target, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(blob.file(), target, StandardCopyOption.REPLACE_EXISTING);
    }
    return target;
  }

  void delete(String sha256, String format) throws IOException {
    Files.deleteIfExists(path(sha256, format));
  }

  static void discard(Path temp) {
    try {
      Files.deleteIfExists(temp);
    } catch (IOException e) {
      // A leftover part file is removed at the next start-up.
    }
  }

  /** Part files left by a crash can never complete: their downloads died with the process. */
  void removeLeftovers() throws IOException {
    if (!Files.isDirectory(incoming)) {
      return;
    }
    try (DirectoryStream<Path> parts = Files.newDirectoryStream(incoming, "*.part")) {
      for (Path part : parts) {
        Files.deleteIfExists(part);
      }
    }
  }
}
