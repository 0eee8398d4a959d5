package dev.seedstream.upstream;

import dev.seedstream.config.GatewayConfig;
import dev.seedstream.failure.ErrorCode;
import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.RequestOptions;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * What a job's exchange ({@link UpstreamExchange}) and a drop-in relay ({@link UpstreamRelay}) share about one
 * call to the generations endpoint (the request itself, with its upstream's key, is {@link UpstreamAttempt}'s):
 * sending it so that a cancel that came first still resets it, reading an error answer without letting it fill memory, and naming a failed request
 * in the contract's words.
 */
final class UpstreamRequest {

  /** Error bodies are small JSON; reading more would only let a broken upstream fill memory. */
  static final int MAX_ERROR_BODY = 64 * 1024;

  private UpstreamRequest() {
  }

  /**
   * Sends {@code payload}, handing the request to {@code opened} as soon as it exists so that it can be reset
   * later; when {@code done} already holds by then (cancelled while connecting), it is reset at once.
   */
  static Future<HttpClientResponse> send(HttpClientAgent http, RequestOptions options, Buffer payload,
                                         BooleanSupplier done, Consumer<HttpClientRequest> opened) {
    return http.request(options).compose(request -> {
      opened.accept(request);
      if (done.getAsBoolean()) {
        request.reset();
      }
      return request.send(payload);
    });
  }

  /** Reads at most {@link #MAX_ERROR_BODY} bytes of an error answer and hands them over when it ends. */
  static void readCapped(HttpClientResponse response, Handler<Buffer> ended, Handler<Throwable> broken) {
    Buffer body = Buffer.buffer();
    response.handler(chunk -> {
      if (body.length() < MAX_ERROR_BODY) {
        body.appendBuffer(chunk, 0, Math.min(chunk.length(), MAX_ERROR_BODY - body.length()));
      }
    });
    response.exceptionHandler(broken);
    response.endHandler(v -> ended.handle(body));
  }

  /** Why the request never got an answer, in the contract's words. */
  static UpstreamFailure failure(Throwable cause, GatewayConfig config) {
    if (cause instanceof ConnectTimeoutException || cause instanceof TimeoutException) {
      return UpstreamFailure.of(ErrorCode.UPSTREAM_TIMEOUT, "could not connect to the upstream within " + config.timeouts().connectTimeoutMs() + " ms");
    } else if (cause instanceof ConnectException) {
      return UpstreamFailure.of(ErrorCode.UPSTREAM_UNAVAILABLE, "the upstream refused the connection");
    } else if (cause instanceof UnknownHostException) {
      return UpstreamFailure.of(ErrorCode.UPSTREAM_UNAVAILABLE, "the upstream host name could not be resolved");
    }
    return UpstreamFailure.of(ErrorCode.UPSTREAM_UNAVAILABLE, "the upstream request failed (" + cause.getClass().getSimpleName() + ")");
  }
}
