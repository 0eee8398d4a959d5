package dev.seedstream.store;

import dev.seedstream.upstream.BodyTap;
import dev.seedstream.upstream.FirstUseHttpClient;
import dev.seedstream.upstream.InlineImage;
import io.netty.buffer.ByteBuf;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.io.OutputStream;

/**
 * Turns an image event into a {@link Blob}: downloads the upstream URL (streamed to a temporary file and
 * hashed on the way from the network buffers it arrives in, never copied onto the heap: {@link BodyTap},
 * {@link ImageFile}), or decodes inline base64 on a worker thread. Both are bounded
 * in size; downloads also in time. A failure says which side failed: the network (a download failure) or
 * the temporary file (a disk error), never one for the other.
 */
final class ImageFetcher {

  /** Bytes a download may have read and not yet written before it stops reading until the disk catches up. */
  private static final long WRITE_AHEAD = 1 << 20;
  /** Base64 text decoded at a time: a multiple of 4, so every slice but the last is whole groups. */
  private static final int DECODE_SLICE = 64 * 1024;
  /** A store worker's buffers for a slice of text and its bytes, kept for its next image. */
  private static final ThreadLocal<byte[]> DECODE_TEXT = ThreadLocal.withInitial(() -> new byte[DECODE_SLICE]);
  private static final ThreadLocal<byte[]> DECODE_OUT = ThreadLocal.withInitial(() -> new byte[DECODE_SLICE / 4 * 3]);

  private final Vertx vertx;
  private final BlobStore files;
  private final FetchPolicy policy;
  /** Made at the first download ({@link FirstUseHttpClient}). */
  private final FirstUseHttpClient http;
  private final long maxBytes;
  private final long timeoutMs;

  ImageFetcher(Vertx vertx, BlobStore files, FetchPolicy policy, int concurrency, long maxBytes, long timeoutMs) {
    this.vertx = vertx;
    this.files = files;
    this.policy = policy;
    this.maxBytes = maxBytes;
    this.timeoutMs = timeoutMs;
    this.http = new FirstUseHttpClient(vertx, new HttpClientOptions().setConnectTimeout((int) Math.min(timeoutMs, 30_000))
      .setVerifyHost(true).setTrustAll(false).setForceSni(true).setKeepAlive(true),
      new PoolOptions().setHttp1MaxSize(concurrency).setHttp2MaxSize(1));
  }

  /** Called on the store's event loop, whose client the download uses and whose workers write the file. */
  Future<Blob> download(String url) {
    Context context = vertx.getOrCreateContext();
    return policy.check(url).compose(target -> ImageFile.create(context, files)
      .compose(file -> receive(target, file)
        .recover(failure -> file.discard().transform(discarded -> Future.failedFuture(failure)))));
  }

  /**
   * Decodes, hashes and writes the image a slice at a time, reading the event's bytes where they are through
   * two small buffers: the text (8 MiB for a 6 MiB image) copied onto the heap, or the whole decoded image,
   * was a young collection every other image, and a young collection stops the relay too.
   */
  Future<Blob> decode(InlineImage base64) {
    return vertx.executeBlocking(() -> {
      // 4 base64 characters carry 3 bytes: refuse before decoding, so the check costs no memory.
      if (base64.length() / 4L * 3 > maxBytes) {
        throw new StoreFailure(StoreFailure.Kind.INVALID, "the inline image is larger than " + maxBytes + " bytes");
      }
      Path temp = newTempFile();
      try (OutputStream file = Files.newOutputStream(temp)) {
        BlobDigest digest = new BlobDigest();
        byte[] text = DECODE_TEXT.get();
        byte[] slice = DECODE_OUT.get();
        for (int from = 0; from < base64.length(); from += DECODE_SLICE) {
          int count = Math.min(DECODE_SLICE, base64.length() - from);
          base64.copy(from, text, 0, count);
          int decoded = Base64Slices.decode(text, 0, count, from + count == base64.length(), slice);
          if (decoded < 0) {
            throw new StoreFailure(StoreFailure.Kind.INVALID, "the inline image is not valid base64");
          }
          digest.update(slice, 0, decoded);
          file.write(slice, 0, decoded);
        }
        // The stream closes before the result is returned, and a failure to close is a disk error like any other.
        return digest.finish(temp);
      } catch (IOException e) {
        BlobFiles.discard(temp);
        throw StoreFailure.disk(e);
      } catch (Exception e) {
        BlobFiles.discard(temp);
        throw e;
      }
    }, false);
  }

  Future<Void> close() {
    return http.close();
  }

  private Path newTempFile() throws StoreFailure {
    try {
      return files.newTempFile();
    } catch (IOException e) {
      throw StoreFailure.disk(e);
    }
  }

  private Future<Blob> receive(FetchPolicy.Target target, ImageFile file) {
    Promise<Blob> result = Promise.promise();
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(target.uri().toString())
      .setFollowRedirects(false).setIdleTimeout(timeoutMs);
    if (target.server() != null) {
      options.setServer(target.server());
    }
    http.get().request(options).onFailure(result::tryFail).onSuccess(request -> {
      long deadline = vertx.setTimer(timeoutMs, t -> {
        result.tryFail(new StoreFailure(StoreFailure.Kind.DOWNLOAD, "the download took longer than " + timeoutMs + " ms"));
        request.reset();
      });
      result.future().onComplete(done -> vertx.cancelTimer(deadline));
      // A failed write (a full disk) ends the transfer too, rather than reading the rest for nothing.
      result.future().onFailure(e -> request.reset());
      file.failure().onFailure(result::tryFail);
      BodyTap tap;
      try {
        tap = BodyTap.on(request.connection());
        HeapTlsInput.install(tap.channel());
      } catch (IllegalStateException e) {
        result.tryFail(e);
        return;
      }
      file.onWritten(() -> {
        if (!result.future().isComplete() && file.waiting() <= WRITE_AHEAD / 2) {
          tap.resume();
        }
      });
      Consumer<ByteBuf> sink = bytes -> take(tap, bytes, file, request, result);
      tap.feed(sink);
      result.future().onComplete(done -> tap.unfeed(sink));
      request.send().onFailure(result::tryFail).onSuccess(response -> {
        if (response.statusCode() != 200) {
          result.tryFail(new StoreFailure(StoreFailure.Kind.DOWNLOAD, "the image URL answered HTTP " + response.statusCode()));
          return;
        }
        // The body reaches the tap; the client sees the end alone.
        response.handler(empty -> { });
        response.exceptionHandler(result::tryFail);
        response.endHandler(v -> file.finish().onComplete(result::tryComplete, result::tryFail));
      });
    });
    // What is not already classified came from the HTTP client: DNS, connection, TLS, reset.
    return result.future().recover(e -> Future.failedFuture(e instanceof StoreFailure ? e
      : new StoreFailure(StoreFailure.Kind.DOWNLOAD, "the download failed: " + e.getMessage())));
  }

  /** One piece of the body, as it came off the network: counted, then written in turn while reading goes on. */
  private void take(BodyTap tap, ByteBuf bytes, ImageFile file, HttpClientRequest request, Promise<Blob> result) {
    if (result.future().isComplete()) {
      bytes.release();
      return;
    }
    if (file.received() + bytes.readableBytes() > maxBytes) {
      bytes.release();
      result.tryFail(new StoreFailure(StoreFailure.Kind.INVALID, "the image is larger than " + maxBytes + " bytes"));
      request.reset();
      return;
    }
    file.append(bytes);
    if (file.waiting() > WRITE_AHEAD) {
      tap.pause();
    }
  }
}
