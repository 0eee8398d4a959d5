package dev.seedstream.store;

import io.netty.buffer.ByteBuf;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Queue;

/**
 * The temporary file a download streams into. Each piece is hashed and written on one of the store's worker
 * threads, in the order it arrived, from the network buffer it came in (then released) through one scratch
 * block per worker thread, reused for every piece of every image: nothing is allocated per piece. Reading the
 * network buffer in place instead took a view object per piece for the digest and another for the file write,
 * and the digest copied a direct buffer into a temporary array of its own for each image (about 8 KB per image
 * in all, at a thousand images a second a young collection every few seconds that stops the relay). One task on a worker writes whatever has arrived until nothing waits, rather
 * than a task and its futures per piece, which allocated more than the image's bookkeeping. It counts the bytes
 * still waiting to be written, so the download can stop reading while the disk is behind. Created, fed and
 * finished on the store's event loop.
 */
final class ImageFile {

  /** Bytes hashed and written at a time; one block per worker thread. */
  private static final int SCRATCH_BYTES = 64 * 1024;
  private static final ThreadLocal<ByteBuffer> SCRATCH = ThreadLocal.withInitial(() -> ByteBuffer.allocate(SCRATCH_BYTES));

  private final Context context;
  private final Path path;
  private final FileChannel channel;
  private final BlobDigest digest = new BlobDigest();
  /** Pieces not written yet: filled on the event loop, emptied on a worker. Guarded by itself. */
  private final Queue<ByteBuf> pieces = new ArrayDeque<>();
  private final Promise<Void> failed = Promise.promise();
  /** Whether a worker task is writing; when it ends, whoever waits for the writes is told. Event loop only. */
  private boolean writing;
  private Runnable onWritten = () -> { };
  /** Completed when the writing task ends, for whoever waits for it meanwhile. */
  private Promise<Void> idle;
  private long waiting;
  private long received;

  private ImageFile(Context context, Path path, FileChannel channel) {
    this.context = context;
    this.path = path;
    this.channel = channel;
  }

  /** A new temporary file of {@code files}, opened on a worker of {@code context}, the store's event loop. */
  static Future<ImageFile> create(Context context, BlobStore files) {
    return context.executeBlocking(() -> {
      try {
        Path path = files.newTempFile();
        return new ImageFile(context, path, FileChannel.open(path, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING));
      } catch (IOException e) {
        throw StoreFailure.disk(e);
      }
    }, false);
  }

  /** Runs on the event loop each time the writes catch up with what has arrived. */
  void onWritten(Runnable onWritten) {
    this.onWritten = onWritten;
  }

  /** Queues {@code bytes} behind the pieces before it; this file releases them. */
  void append(ByteBuf bytes) {
    if (failed.future().isComplete()) {
      bytes.release();
      return;
    }
    waiting += bytes.readableBytes();
    received += bytes.readableBytes();
    synchronized (pieces) {
      pieces.add(bytes);
    }
    if (!writing) {
      write();
    }
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
  Future<Void> failure() {
    return failed.future();
  }

  /** Once every piece is written: the file closed, and what it holds. */
  Future<Blob> finish() {
    return idle().compose(v -> failed.future().failed() ? Future.failedFuture(failed.future().cause())
      : context.executeBlocking(() -> {
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

  /**
   * Once no piece is being written: the pieces left released, the file closed and deleted. Completes when
   * the file is gone, so that a download's failure is not reported (and the store not closed) before.
   */
  Future<Void> discard() {
    failed.tryFail(new StoreFailure(StoreFailure.Kind.DOWNLOAD, "the download was given up"));
    return idle().transform(done -> context.executeBlocking(() -> {
      releaseWaiting();
      try {
        channel.close();
      } catch (IOException e) {
        // Deleted next either way.
      }
      BlobFiles.discard(path);
      return null;
    }, false));
  }

  /** Completes when no worker task is writing (at once when none is). */
  private Future<Void> idle() {
    if (!writing) {
      return Future.succeededFuture();
    }
    if (idle == null) {
      idle = Promise.promise();
    }
    return idle.future();
  }

  /** One worker task writes what waits until nothing does; a piece that arrives meanwhile joins it. */
  private void write() {
    writing = true;
    context.executeBlocking(this::writeWaiting, false).onComplete(done -> {
      writing = false;
      if (done.failed()) {
        failed.tryFail(done.cause());
      } else {
        waiting -= done.result();
      }
      boolean more;
      synchronized (pieces) {
        more = !pieces.isEmpty();
      }
      if (more && !failed.future().isComplete()) {
        write();
        return;
      }
      if (failed.future().isComplete()) {
        releaseWaiting();
      }
      onWritten.run();
      if (idle != null) {
        Promise<Void> waiter = idle;
        idle = null;
        waiter.complete();
      }
    });
  }

  /** On a worker: hashes and writes every waiting piece in order; returns how many bytes. */
  private long writeWaiting() throws StoreFailure {
    long written = 0;
    while (true) {
      ByteBuf piece;
      synchronized (pieces) {
        piece = pieces.poll();
      }
      if (piece == null) {
        return written;
      }
      try {
        written += piece.readableBytes();
        ByteBuffer scratch = SCRATCH.get();
        while (piece.isReadable()) {
          int length = Math.min(piece.readableBytes(), scratch.capacity());
          piece.readBytes(scratch.array(), 0, length);
          digest.update(scratch.array(), 0, length);
          scratch.clear().limit(length);
          while (scratch.hasRemaining()) {
            channel.write(scratch);
          }
        }
      } catch (IOException e) {
        throw StoreFailure.disk(e);
      } finally {
        piece.release();
      }
    }
  }

  private void releaseWaiting() {
    synchronized (pieces) {
      pieces.forEach(ByteBuf::release);
      pieces.clear();
    }
  }
}
