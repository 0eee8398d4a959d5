package dev.seedstream.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.streams.WriteStream;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * Image files named by their sha256 ({@code images/ab/abcd….jpeg}), so one image stored twice is one file.
 * Bytes arrive in {@code images/.incoming/} and are moved into place atomically once complete, so a reader
 * never sees half a file. Every method but {@link #copy} blocks: call them on worker threads only.
 */
final class BlobFiles implements BlobStore {

  private final Vertx vertx;
  private final Path root;
  private final Path incoming;

  BlobFiles(Vertx vertx, Path dataDir) {
    this.vertx = vertx;
    this.root = dataDir.resolve("images");
    this.incoming = root.resolve(".incoming");
  }

  Path path(String sha256, String format) {
    return root.resolve(sha256.substring(0, 2)).resolve(sha256 + "." + format);
  }

  @Override
  public Path newTempFile() throws IOException {
    try {
      return Files.createTempFile(incoming, "img-", ".part");
    } catch (NoSuchFileException e) {
      // The folder is made on the first image (or again, if someone removed it): creating it before every
      // image threw and caught a FileAlreadyExistsException each time, stack trace and all.
      Files.createDirectories(incoming);
      return Files.createTempFile(incoming, "img-", ".part");
    }
  }

  @Override
  public boolean local() {
    return true;
  }

  /** Moves a complete blob into place; when the same bytes are already stored, the copy is dropped. */
  @Override
  public void commit(Blob blob) throws IOException {
    Path target = path(blob.sha256(), blob.format());
    if (Files.exists(target)) {
      Files.deleteIfExists(blob.file());
      return;
    }
    Files.createDirectories(target.getParent());
    try {
      Files.move(blob.file(), target, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(blob.file(), target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  @Override
  public boolean exists(String sha256, String format) {
    return Files.exists(path(sha256, format));
  }

  @Override
  public void delete(String sha256, String format) throws IOException {
    Files.deleteIfExists(path(sha256, format));
  }

  /** Fails when the file is missing or shorter than the range: deleted or truncated since it was recorded. */
  @Override
  public Future<Void> copy(String sha256, String format, long start, long length, WriteStream<Buffer> out) {
    String file = path(sha256, format).toString();
    return vertx.fileSystem().props(file).compose(props -> {
      if (props.size() < start + length) {
        return Future.failedFuture(new IllegalStateException(file + " is " + props.size() + " bytes, fewer than "
          + (start + length)));
      }
      return vertx.fileSystem().open(file, new OpenOptions().setRead(true).setWrite(false))
        .compose(opened -> opened.setReadBufferSize(64 * 1024).setReadPos(start).setReadLength(length).pipe()
          .endOnComplete(false).to(out).eventually(opened::close));
    });
  }

  @Override
  public Optional<Path> file(String sha256, String format) {
    return Optional.of(path(sha256, format));
  }

  @Override
  public Optional<String> presignedUrl(String sha256, String format, String contentType, String contentDisposition) {
    return Optional.empty();
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }

  static void discard(Path temp) {
    try {
      Files.deleteIfExists(temp);
    } catch (IOException e) {
      // A leftover part file is removed at the next start-up.
    }
  }

  /** Part files left by a crash can never complete: their downloads died with the process. */
  @Override
  public void removeLeftovers() throws IOException {
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
