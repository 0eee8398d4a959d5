package dev.seedstream.store;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.internal.buffer.BufferInternal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.OutputStream;

/**
 * Turns an image event into a {@link Blob}: downloads the upstream URL (streamed to a temporary file and
 * hashed on the way, never held in memory), or decodes inline base64 on a worker thread. Both are bounded
 * in size; downloads also in time. A failure says which side failed: the network (a download failure) or
 * the temporary file (a disk error), never one for the other.
 */
final class ImageFetcher {

  /** Base64 text decoded at a time: a multiple of 4, so every slice but the last is whole groups. */
  private static final int DECODE_SLICE = 64 * 1024;

  private final Vertx vertx;
  private final BlobStore files;
  private final FetchPolicy policy;
  private final HttpClientAgent http;
  private final long maxBytes;
  private final long timeoutMs;

  ImageFetcher(Vertx vertx, BlobStore files, FetchPolicy policy, int concurrency, long maxBytes, long timeoutMs) {
    this.vertx = vertx;
    this.files = files;
    this.policy = policy;
    this.maxBytes = maxBytes;
    this.timeoutMs = timeoutMs;
    HttpClientOptions options = new HttpClientOptions().setConnectTimeout((int) Math.min(timeoutMs, 30_000))
      .setVerifyHost(true).setTrustAll(false).setForceSni(true).setKeepAlive(true);
    this.http = vertx.createHttpClient(options, new PoolOptions().setHttp1MaxSize(concurrency).setHttp2MaxSize(1));
  }

  Future<Blob> download(String url) {
    return policy.check(url).compose(target -> vertx.executeBlocking(this::newTempFile, false)
      .compose(temp -> receive(target, temp).onFailure(e -> discard(temp))));
  }

  /**
   * Decodes, hashes and writes the image a slice at a time through one 48 KiB buffer: the whole decoded
   * image (6 MiB for 8 MiB of text) on the heap used to be a young collection every other image, and a
   * young collection stops the relay too.
   */
  Future<Blob> decode(byte[] base64) {
    return vertx.executeBlocking(() -> {
      // 4 base64 characters carry 3 bytes: refuse before decoding, so the check costs no memory.
      if (base64.length / 4L * 3 > maxBytes) {
        throw new StoreFailure(StoreFailure.Kind.INVALID, "the inline image is larger than " + maxBytes + " bytes");
      }
      Path temp = newTempFile();
      try (OutputStream file = Files.newOutputStream(temp)) {
        BlobDigest digest = new BlobDigest();
        byte[] slice = new byte[DECODE_SLICE / 4 * 3];
        for (int from = 0; from < base64.length; from += DECODE_SLICE) {
          int decoded = Base64Slices.decode(base64, from, Math.min(base64.length, from + DECODE_SLICE), slice);
          if (decoded < 0) {
            throw new StoreFailure(StoreFailure.Kind.INVALID, "the inline image is not valid base64");
          }
          digest.update(slice, 0, decoded);
          file.write(slice, 0, decoded);
        }
        file.close();
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

  private Future<Blob> receive(FetchPolicy.Target target, Path temp) {
    Promise<Blob> result = Promise.promise();
    vertx.fileSystem().open(temp.toString(), new OpenOptions().setWrite(true).setTruncateExisting(true))
      .onFailure(e -> result.tryFail(StoreFailure.disk(e)))
      .onSuccess(file -> {
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(target.uri().toString())
          .setFollowRedirects(false).setIdleTimeout(timeoutMs);
        if (target.server() != null) {
          options.setServer(target.server());
        }
        http.request(options).onFailure(result::tryFail).onSuccess(request -> {
          long deadline = vertx.setTimer(timeoutMs, t -> {
            result.tryFail(new StoreFailure(StoreFailure.Kind.DOWNLOAD, "the download took longer than " + timeoutMs + " ms"));
            request.reset();
          });
          result.future().onComplete(done -> vertx.cancelTimer(deadline));
          // A failed write (a full disk) ends the transfer too, rather than reading the rest for nothing.
          result.future().onFailure(e -> request.reset());
          request.send().onFailure(result::tryFail).onSuccess(response -> stream(request, response, file, temp, result));
        });
        result.future().onFailure(e -> file.close());
      });
    // What is not already classified came from the HTTP client: DNS, connection, TLS, reset.
    return result.future().recover(e -> Future.failedFuture(e instanceof StoreFailure ? e
      : new StoreFailure(StoreFailure.Kind.DOWNLOAD, "the download failed: " + e.getMessage())));
  }

  private void stream(HttpClientRequest request, HttpClientResponse response, AsyncFile file, Path temp,
                      Promise<Blob> result) {
    if (response.statusCode() != 200) {
      result.tryFail(new StoreFailure(StoreFailure.Kind.DOWNLOAD, "the image URL answered HTTP " + response.statusCode()));
      request.reset();
      return;
    }
    BlobDigest digest = new BlobDigest();
    response.exceptionHandler(result::tryFail);
    file.exceptionHandler(e -> result.tryFail(StoreFailure.disk(e)));
    response.handler(chunk -> {
      // Hashed where it is, and written as it is: the HTTP client hands each chunk over as a heap copy of
      // its own (not a network buffer that is reused), so keeping it until the write runs is safe.
      digest.update(((BufferInternal) chunk).getByteBuf());
      if (digest.bytes() > maxBytes) {
        result.tryFail(new StoreFailure(StoreFailure.Kind.INVALID, "the image is larger than " + maxBytes + " bytes"));
        request.reset();
        return;
      }
      file.write(chunk).onFailure(e -> result.tryFail(StoreFailure.disk(e)));
      if (file.writeQueueFull()) {
        response.pause();
        file.drainHandler(v -> response.resume());
      }
    });
    response.endHandler(v -> file.close().onFailure(e -> result.tryFail(StoreFailure.disk(e))).onSuccess(closed -> {
      try {
        result.tryComplete(digest.finish(temp));
      } catch (UnsupportedImageException e) {
        result.tryFail(new StoreFailure(StoreFailure.Kind.INVALID, e.getMessage()));
      }
    }));
  }

  private void discard(Path temp) {
    vertx.executeBlocking(() -> {
      BlobFiles.discard(temp);
      return null;
    }, false);
  }
}
