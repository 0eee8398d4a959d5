package dev.seedstream.store;

import io.netty.buffer.ByteBuf;
import io.vertx.core.Context;
import io.vertx.core.Future;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The temporary file a download streams into. Each piece is hashed and written on the store's worker threads,
 * in the order it arrived, straight from the network buffer it came in (then released): nothing of the image is
 * copied onto the heap. It counts the bytes still waiting to be written, so the download can stop reading while
 * the disk is behind. Created, fed and finished on the store's event loop.
 */
final class ImageFile {

  private final Context context;
  private final Path path;
  private final FileChannel channel;
  private final BlobDigest digest = new BlobDigest();
  /** Completes when every piece appended so far is written; failed from the first piece that could not be. */
  private Future<Void> written = Future.succeededFuture();
  private long waiting;
  private long received;

  private ImageFile(Context context, Path path, FileChannel channel) {
    this.context = context;
    this.path = path;
    this.channel = channel;
  }

  /** A new temporary file of {@code files}, opened on a worker of the calling (store) context. */
  static Future<ImageFile> create(Context context, BlobStore files) {
    return context.executeBlocking(() -> {
      Path path;
      try {
        path = files.newTempFile();
        return new ImageFile(context, path, FileChannel.open(path, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING));
      } catch (IOException e) {
        throw StoreFailure.disk(e);
      }
    }, false);
  }

  /**
   * Queues {@code bytes} (this file releases them) behind the pieces before it; {@code onWritten} runs on the
   * event loop once they are written or dropped.
   */
  void append(ByteBuf bytes, Runnable onWritten) {
    int length = bytes.readableBytes();
    waiting += length;
    received += length;
    this.written = this.written.transform(before -> {
      if (before.failed()) {
        bytes.release();
        return Future.<Void>failedFuture(before.cause());
      }
      return context.<Void>executeBlocking(() -> {
        try {
          digest.update(bytes);
          while (bytes.isReadable()) {
            bytes.readBytes(channel, bytes.readableBytes());
          }
          return null;
        } catch (IOException e) {
          throw StoreFailure.disk(e);
        } finally {
          bytes.release();
        }
      }, false);
    }).andThen(done -> {
      waiting -= length;
      onWritten.run();
    });
  }

  /** Bytes appended and not written yet. */
  long waiting() {
    return waiting;
  }

  /** Bytes appended so far. */
  long received() {
    return received;
  }

  /** Fails as soon as a piece could not be written (a full disk), so the download can stop at once. */
  Future<Void> written() {
    return written;
  }

  /** Once every piece is written: the file closed, and what it holds. */
  Future<Blob> finish() {
    return written.compose(v -> context.executeBlocking(() -> {
      try {
        channel.close();
        return digest.finish(path);
      } catch (IOException e) {
        throw StoreFailure.disk(e);
      } catch (UnsupportedImageException e) {
        throw new StoreFailure(StoreFailure.Kind.INVALID, e.getMessage());
      }
    }, false));
  }

  /** Once no piece is being written: the file closed and deleted. */
  void discard() {
    written.onComplete(done -> context.executeBlocking(() -> {
      try {
        channel.close();
      } catch (IOException e) {
        // Deleted next either way.
      }
      BlobFiles.discard(path);
      return null;
    }, false));
  }
}
