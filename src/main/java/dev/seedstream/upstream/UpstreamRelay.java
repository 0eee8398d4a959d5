package dev.seedstream.upstream;

import dev.seedstream.config.GatewayConfig;
import dev.seedstream.failure.ErrorCode;
import dev.seedstream.failure.ErrorEnvelope;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * One drop-in generation ({@code POST /v1/images/generations}): the upstream's answer goes to the client
 * byte for byte, in the upstream's own framing, because strict official SDKs reject any line they do not
 * expect (so no heartbeat, no {@code retry:}). Only the upstream key is taken out on the way (see
 * {@link RelayedBodyFilter}), and a body that is neither an event stream nor JSON is not passed on.
 * Reading follows the client's pace: the upstream response is paused while the client's write queue is
 * full. The job timeouts apply, counting any bytes as life. Error answers keep their status and shape,
 * with their text sanitised and Retry-After capped as the job API caps it. A client that goes away resets
 * the upstream request at once; nothing is kept afterwards.
 */
public final class UpstreamRelay {

  /** No Content-Encoding: the gateway asks for none, and an encoded body could not be checked for the key. */
  private static final List<CharSequence> PASSED_HEADERS = List.of(HttpHeaders.CONTENT_TYPE, "x-request-id");

  private final HttpClientAgent http;
  private final GatewayConfig config;
  private final UpstreamErrors errors;
  private final HttpServerResponse client;
  private final UpstreamTimers timers;
  private final Promise<Void> finished = Promise.promise();
  private HttpClientRequest request;
  private boolean done;

  UpstreamRelay(Vertx vertx, HttpClientAgent http, GatewayConfig config, UpstreamErrors errors, HttpServerResponse client) {
    this.http = http;
    this.config = config;
    this.errors = errors;
    this.client = client;
    this.timers = new UpstreamTimers(vertx, config, reason -> fail(UpstreamFailure.of(ErrorCode.UPSTREAM_TIMEOUT, reason)));
  }

  /** Sends {@code body} upstream; the future completes when the exchange is over, however it ended. */
  Future<Void> start(JsonObject body, boolean stream) {
    timers.start();
    client.closeHandler(v -> finish(true));
    Buffer payload = body.toBuffer();
    UpstreamRequest.send(http, UpstreamRequest.options(config, stream ? "text/event-stream" : "application/json"), payload,
        () -> done, req -> request = req)
      .onComplete(ar -> {
        if (ar.failed()) {
          fail(UpstreamRequest.failure(ar.cause(), config));
        } else if (!done && ar.result().statusCode() / 100 == 2) {
          relay(ar.result(), stream);
        } else if (!done) {
          relayError(ar.result());
        }
      });
    return finished.future();
  }

  private void relay(HttpClientResponse response, boolean stream) {
    String type = response.getHeader(HttpHeaders.CONTENT_TYPE);
    if (!isEventStreamOrJson(type)) {
      // A proxy's HTML page, say: nothing an SDK can read, and nothing to pass on unread.
      fail(UpstreamFailure.of(ErrorCode.UPSTREAM_PROTOCOL, "the upstream answered " + response.statusCode() + " with "
        + errors.sanitise(type) + " instead of an event stream or JSON"));
      return;
    }
    String encoding = response.getHeader(HttpHeaders.CONTENT_ENCODING);
    if (encoding != null && !encoding.equalsIgnoreCase("identity")) {
      fail(UpstreamFailure.of(ErrorCode.UPSTREAM_PROTOCOL, "the upstream sent a " + errors.sanitise(encoding)
        + "-encoded body the gateway did not ask for"));
      return;
    }
    RelayedBodyFilter filter = new RelayedBodyFilter(errors, client::write);
    client.setStatusCode(response.statusCode()).setChunked(true);
    copyHeaders(response.headers());
    if (stream) {
      client.putHeader("X-Accel-Buffering", "no");
    }
    client.writeHead();
    response.handler(chunk -> onChunk(response, filter, chunk));
    response.endHandler(v -> {
      if (!done) {
        filter.end();
        client.end();
        finish(false);
      }
    });
    response.exceptionHandler(e -> fail(UpstreamFailure.of(ErrorCode.UPSTREAM_UNAVAILABLE, "the upstream connection broke mid-stream")));
  }

  /** No type is taken as the upstream meaning its usual answer; the body's first byte tells which. */
  private static boolean isEventStreamOrJson(String contentType) {
    if (contentType == null) {
      return true;
    }
    String type = contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
    return type.equals("text/event-stream") || type.equals("application/json");
  }

  private void onChunk(HttpClientResponse response, RelayedBodyFilter filter, Buffer chunk) {
    if (done) {
      return;
    }
    timers.activity();
    filter.accept(chunk);
    if (client.writeQueueFull()) {
      response.pause();
      timers.suspendIdle();
      client.drainHandler(v -> {
        if (!done) {
          timers.activity();
          response.resume();
        }
      });
    }
  }

  private void copyHeaders(MultiMap upstream) {
    for (CharSequence name : PASSED_HEADERS) {
      String value = upstream.get(name);
      if (value != null) {
        client.putHeader(name, errors.key().redact(value));
      }
    }
  }

  /** Status and envelope as the upstream sent them, with any credential or control character taken out. */
  private void relayError(HttpClientResponse response) {
    UpstreamRequest.readCapped(response, body -> {
      if (done) {
        return;
      }
      String retryAfter = response.getHeader(HttpHeaders.RETRY_AFTER);
      JsonObject envelope = sanitisedEnvelope(response.statusCode(), retryAfter, body.toString(StandardCharsets.UTF_8));
      Long seconds = UpstreamErrors.parseRetryAfter(retryAfter);
      answer(response.statusCode(), seconds == null ? null : String.valueOf(seconds), envelope);
      finish(false);
    }, e -> fail(UpstreamFailure.of(ErrorCode.UPSTREAM_UNAVAILABLE, "the upstream connection broke")));
  }

  private JsonObject sanitisedEnvelope(int status, String retryAfter, String body) {
    JsonObject error = null;
    try {
      error = new JsonObject(body).getJsonObject("error");
    } catch (RuntimeException e) {
      // not the upstream's envelope; described below instead
    }
    if (error == null) {
      UpstreamFailure failure = errors.fromResponse(status, retryAfter, body);
      return ErrorEnvelope.of(failure.errorCode(), failure.getMessage(), "");
    }
    return errors.sanitisedEnvelope(error);
  }

  private void fail(UpstreamFailure failure) {
    if (done) {
      return;
    }
    if (client.headWritten()) {
      // The stream has begun; only cutting it tells an SDK the answer is incomplete.
      client.reset();
    } else {
      answer(failure.errorCode().httpStatus(), failure.retryAfterSeconds() == null ? null : String.valueOf(failure.retryAfterSeconds()),
        ErrorEnvelope.of(failure.errorCode(), failure.getMessage(), ""));
    }
    finish(true);
  }

  private void answer(int status, String retryAfter, JsonObject envelope) {
    if (retryAfter != null) {
      client.putHeader(HttpHeaders.RETRY_AFTER, retryAfter);
    }
    client.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json; charset=utf-8").end(envelope.encode());
  }

  private void finish(boolean resetUpstream) {
    if (done) {
      return;
    }
    done = true;
    timers.stop();
    if (resetUpstream && request != null) {
      request.reset();
    }
    finished.tryComplete();
  }
}
