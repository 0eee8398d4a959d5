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

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;

/**
 * Turns an image event into a {@link Blob}: downloads the upstream URL (streamed to a temporary file and
 * hashed on the way, never held in memory), or decodes inline base64 on a worker thread. Both are bounded
 * in size; downloads also in time.
 */
final class ImageFetcher {

  private final Vertx vertx;
  private final BlobFiles files;
  private final FetchPolicy policy;
  private final HttpClientAgent http;
  private final long maxBytes;
  private final long timeoutMs;

  ImageFetcher(Vertx vertx, BlobFiles files, FetchPolicy policy, int concurrency, long maxBytes, long timeoutMs) {
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
    return policy.check(url).compose(target -> vertx.executeBlocking(files::newTempFile, false)
      .compose(temp -> receive(target, temp).onFailure(e -> discard(temp))));
  }

  Future<Blob> decode(byte[] base64) {
    return vertx.executeBlocking(() -> {
      // 4 base64 characters carry 3 bytes: refuse before decoding, so the check costs no memory.
      if (base64.length / 4L * 3 > maxBytes) {
        throw new StoreFailure("the inline image is larger than " + maxBytes + " bytes");
      }
      byte[] bytes;
      try {
        bytes = Base64.getDecoder().decode(base64);
      } catch (IllegalArgumentException e) {
        throw new StoreFailure("the inline image is not valid base64");
      }
      Path temp = files.newTempFile();
      try {
        BlobDigest digest = new BlobDigest();
        digest.update(bytes);
        Files.write(temp, bytes);
        return digest.finish(temp);
      } catch (Exception e) {
        BlobFiles.discard(temp);
        throw e;
      }
    }, false);
  }

  Future<Void> close() {
    return http.close();
  }

  private Future<Blob> receive(FetchPolicy.Target target, Path temp) {
    Promise<Blob> result = Promise.promise();
    vertx.fileSystem().open(temp.toString(), new OpenOptions().setWrite(true).setTruncateExisting(true))
      .onFailure(result::tryFail)
      .onSuccess(file -> {
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(target.uri().toString())
          .setFollowRedirects(false).setIdleTimeout(timeoutMs);
        if (target.server() != null) {
          options.setServer(target.server());
        }
        http.request(options).onFailure(result::tryFail).onSuccess(request -> {
          long deadline = vertx.setTimer(timeoutMs, t -> {
            result.tryFail(new StoreFailure("the download took longer than " + timeoutMs + " ms"));
            request.reset();
          });
          result.future().onComplete(done -> vertx.cancelTimer(deadline));
          request.send().onFailure(result::tryFail).onSuccess(response -> stream(request, response, file, temp, result));
        });
        result.future().onFailure(e -> file.close());
      });
    return result.future().recover(e -> Future.failedFuture(e instanceof StoreFailure ? e
      : new StoreFailure("the download failed: " + e.getMessage())));
  }

  private void stream(HttpClientRequest request, HttpClientResponse response, AsyncFile file, Path temp,
                      Promise<Blob> result) {
    if (response.statusCode() != 200) {
      result.tryFail(new StoreFailure("the image URL answered HTTP " + response.statusCode()));
      request.reset();
      return;
    }
    BlobDigest digest = new BlobDigest();
    response.exceptionHandler(result::tryFail);
    file.exceptionHandler(result::tryFail);
    response.handler(chunk -> {
      // A private copy: the file write is asynchronous, and the network buffer may be reused before it runs.
      byte[] bytes = chunk.getBytes();
      digest.update(bytes);
      if (digest.bytes() > maxBytes) {
        result.tryFail(new StoreFailure("the image is larger than " + maxBytes + " bytes"));
        request.reset();
        return;
      }
      file.write(Buffer.buffer(bytes));
      if (file.writeQueueFull()) {
        response.pause();
        file.drainHandler(v -> response.resume());
      }
    });
    response.endHandler(v -> file.close().onFailure(result::tryFail).onSuccess(closed -> {
      try {
        result.tryComplete(digest.finish(temp));
      } catch (UnsupportedImageException e) {
        result.tryFail(new StoreFailure(e.getMessage()));
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
