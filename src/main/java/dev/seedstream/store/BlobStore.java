package dev.seedstream.store;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where complete images live, named by sha256 so one image stored twice is kept once: files under the data
 * dir ({@link BlobFiles}) or an S3-compatible bucket ({@link S3Blobs}). Bytes always arrive in a local
 * temporary file first: the sha256 that names them is known only at the end. The blocking methods run on
 * worker threads or the history's own thread, never on an event loop.
 */
interface BlobStore {

  /** A new local file for bytes as they arrive. Blocking. */
  Path newTempFile() throws IOException;

  /** Part files left by a crash can never complete: their downloads died with the process. Blocking. */
  void removeLeftovers() throws IOException;

  /**
   * Whether {@link #commit} is a local rename, cheap enough for SQLite's single thread; a remote store uploads
   * on a worker instead, and the history checks with {@link #exists} when it records the image.
   */
  boolean local();

  /**
   * Keeps the blob under its sha256 (dropping the copy when those bytes are already kept); the temporary file is
   * gone after, except when a remote store fails: then it stays for another attempt. Blocking.
   */
  void commit(Blob blob) throws IOException;

  /**
   * {@link #commit}, with a failure in the store's words: a local staged file is discarded, while a bucket's is
   * kept for the archive's next attempt.
   */
  default void commitOrFail(Blob blob) throws StoreFailure {
    try {
      commit(blob);
    } catch (IOException e) {
      if (local()) {
        BlobFiles.discard(blob.file());
      }
      throw StoreFailure.writing(this, e);
    }
  }

  boolean exists(String sha256, String format) throws IOException;

  void delete(String sha256, String format) throws IOException;

  /** Streams {@code length} bytes from {@code start} to {@code out}, with backpressure; does not end {@code out}. */
  Future<Void> copy(String sha256, String format, long start, long length, WriteStream<Buffer> out);

  /** The file itself, when the store is local, so it can be sent without copying through the heap. */
  Optional<Path> file(String sha256, String format);

  /** A short-lived URL that serves the bytes directly, when the store can hand one out. */
  Optional<String> presignedUrl(String sha256, String format, String contentType, String contentDisposition);

  Future<Void> close();
}
