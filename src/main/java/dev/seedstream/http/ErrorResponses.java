package dev.seedstream.http;

import dev.seedstream.failure.ApiException;
import dev.seedstream.failure.ErrorCode;
import dev.seedstream.failure.ErrorEnvelope;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The one place where a failure becomes an HTTP answer. Every error before a stream starts is the
 * contract's JSON {@code {"error":{"code","message",…}}}; once a stream has begun the job reports errors
 * as events instead, so here such a response can only be cut.
 */
final class ErrorResponses {

  private static final Logger LOG = Logger.getLogger(ErrorResponses.class.getName());
  static final long LINGER_MS = 1000;

  private ErrorResponses() {
  }

  static void handle(RoutingContext ctx) {
    HttpServerResponse response = ctx.response();
    if (response.closed()) {
      return; // the client is gone (or was cut off); there is no one to answer
    }
    ApiException error = toApiException(ctx);
    if (response.headWritten()) {
      response.reset();
      return;
    }
    closeAfterAnswerIfBodyUnread(ctx);
    if (ctx.request().path().startsWith("/v1/")) {
      sendEnvelope(response, error);
    } else {
      send(response, error);
    }
  }

  /*
   * A request refused before its body was read (too large, malformed early, too many fields) must not be read
   * to the end: that is the cost the refusal saves. Closing at once would make the kernel answer the unread
   * bytes with RST, which can destroy the answer in the client's receive buffer (RFC 9112 section 9.6), so the
   * connection is closed a moment after the answer, unread.
   *
   * The close is one more of the routing context's end handlers, not the response's own end handler: that one is
   * the routing context's, and replacing it dropped all of them. Such a request then never ended for the gateway:
   * no access-log line, and its body deadline kept the request, its body reader and its unread chunks for the
   * whole body timeout after the connection had closed (once an answer is written, Vert.x no longer tells it
   * that its connection closed).
   */
  private static void closeAfterAnswerIfBodyUnread(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    if (request.isEnded()) {
      return;
    }
    request.pause();
    ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
    ctx.addEndHandler(ended -> ctx.vertx().setTimer(LINGER_MS, t -> request.connection().close()));
  }

  static void send(HttpServerResponse response, ApiException error) {
    if (error.retryAfterSeconds() != null) {
      response.putHeader("Retry-After", String.valueOf(error.retryAfterSeconds()));
    }
    response.setStatusCode(error.status())
      .putHeader("Content-Type", "application/json; charset=utf-8")
      .putHeader("Cache-Control", "no-store")
      .end(error.toJson().encode());
  }

  /**
   * The drop-in endpoint answers in the upstream's envelope, because official SDKs parse that one:
   * {@code param} names the first broken field and the message lists every violation.
   */
  static void sendEnvelope(HttpServerResponse response, ApiException error) {
    String param = error.violations().isEmpty() ? "" : error.violations().get(0).field();
    String message = error.violations().isEmpty() ? error.getMessage()
      : String.join("; ", error.violations().stream().map(v -> v.field() + ": " + v.message()).toList());
    if (error.retryAfterSeconds() != null) {
      response.putHeader("Retry-After", String.valueOf(error.retryAfterSeconds()));
    }
    response.setStatusCode(error.status())
      .putHeader("Content-Type", "application/json; charset=utf-8")
      .putHeader("Cache-Control", "no-store")
      .end(ErrorEnvelope.of(error.errorCode(), message, param).encode());
  }

  private static ApiException toApiException(RoutingContext ctx) {
    Throwable failure = ctx.failure();
    if (failure instanceof ApiException api) {
      return api;
    }
    return switch (ctx.statusCode()) {
      case 400 -> new ApiException(ErrorCode.INVALID_REQUEST, "the request could not be read");
      case 404 -> new ApiException(ErrorCode.NOT_FOUND, "no such resource");
      case 405 -> new ApiException(ErrorCode.METHOD_NOT_ALLOWED, "this method is not allowed here");
      case 413 -> new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, "the request body is over the gateway's limit");
      case 415 -> new ApiException(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "send application/json");
      default -> {
        LOG.log(Level.SEVERE, "unhandled failure on " + ctx.request().method() + " " + ctx.request().path(), failure);
        yield new ApiException(ErrorCode.INTERNAL_ERROR, "the gateway failed to handle this request");
      }
    };
  }
}
