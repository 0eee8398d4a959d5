package dev.seedstream.store;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/**
 * Turns an image event into a {@link Blob}: downloads the upstream URL (streamed to a temporary file and
 * hashed on the way, never held in memory), or decodes inline base64 on a worker thread. Both are bounded
 * in size; downloads also in time. A failure says which side failed: the network (a download failure) or
 * the temporary file (a disk error), never one for the other.
 */
final class ImageFetcher {

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

  Future<Blob> decode(byte[] base64) {
    return vertx.executeBlocking(() -> {
      // 4 base64 characters carry 3 bytes: refuse before decoding, so the check costs no memory.
      if (base64.length / 4L * 3 > maxBytes) {
        throw new StoreFailure(StoreFailure.Kind.INVALID, "the inline image is larger than " + maxBytes + " bytes");
      }
      byte[] bytes;
      try {
        bytes = Base64.getDecoder().decode(base64);
      } catch (IllegalArgumentException e) {
        throw new StoreFailure(StoreFailure.Kind.INVALID, "the inline image is not valid base64");
      }
      Path temp = newTempFile();
      try {
        BlobDigest digest = new BlobDigest();
        digest.update(bytes);
        Files.write(temp, bytes);
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
      // A private copy: the file write is asynchronous, and the network buffer may be reused before it runs.
      byte[] bytes = chunk.getBytes();
      digest.update(bytes);
      if (digest.bytes() > maxBytes) {
        result.tryFail(new StoreFailure(StoreFailure.Kind.INVALID, "the image is larger than " + maxBytes + " bytes"));
        request.reset();
        return;
      }
      file.write(Buffer.buffer(bytes)).onFailure(e -> result.tryFail(StoreFailure.disk(e)));
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
