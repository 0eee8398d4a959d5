package dev.seedstream.upstream;

import dev.seedstream.config.GatewayConfig;
import dev.seedstream.failure.ErrorCode;
import dev.seedstream.failure.ErrorEnvelope;
import dev.seedstream.observe.GatewayMetrics;
import io.netty.buffer.ByteBuf;
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
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One drop-in generation ({@code POST /v1/images/generations}): the upstream's answer goes to the client
 * byte for byte, in the upstream's own framing, because strict official SDKs reject any line they do not
 * expect (so no heartbeat, no {@code retry:}). Only the upstream key is taken out on the way (see
 * {@link RelayedBodyFilter}), and a body that is neither an event stream nor JSON is not passed on.
 * Reading follows the client's pace: the upstream response is paused while the client's write queue is
 * full. The job timeouts apply, counting any bytes as life. Error answers keep their status and shape,
 * with their text sanitised and Retry-After capped as the job API caps it. A client that goes away resets
 * the upstream request at once; nothing is kept afterwards.
 * <p>
 * Before any byte reaches the client, a call moves to another upstream of the pool as a job's does (no
 * connection, a 429 or a 5xx, or no answer by the first-event deadline); with no other upstream the answer is
 * relayed as it came. There is no waiting retry here: an SDK retries on its own.
 */
public final class UpstreamRelay {

  /** No Content-Encoding: the gateway asks for none, and an encoded body could not be checked for the key. */
  private static final List<CharSequence> PASSED_HEADERS = List.of(HttpHeaders.CONTENT_TYPE, "x-request-id");

  private final HttpClientAgent http;
  private final GatewayConfig config;
  private final UpstreamPool pool;
  private final GatewayMetrics metrics;
  private final HttpServerResponse client;
  private final UpstreamTimers timers;
  private final Promise<Void> finished = Promise.promise();
  private final Set<String> tried = new HashSet<>();
  private UpstreamErrors errors;
  private UpstreamAttempt attempt;
  private HttpClientRequest request;
  private boolean responded;
  private boolean done;
  private Buffer payload;
  private boolean stream;
  private String model;
  private int images;
  private HttpClientResponse response;
  private RelayedBodyFilter filter;
  /**
   * The body comes through here, as the network buffers it arrives in, not through Vert.x's client (which
   * copies every chunk onto the heap), when the connection allows it: then an image's base64 reaches the
   * client's socket without a copy.
   */
  private BodyTap.Reading tapped;
  /** The network buffer being filtered now, which slices written to the client must keep until written. */
  private ByteBuf chunkInHand;

  UpstreamRelay(Vertx vertx, HttpClientAgent http, GatewayConfig config, UpstreamPool pool, GatewayMetrics metrics,
                HttpServerResponse client) {
    this.http = http;
    this.config = config;
    this.pool = pool;
    this.metrics = metrics;
    this.client = client;
    this.timers = new UpstreamTimers(vertx, config, this::timeout);
  }

  /** Sends {@code body} upstream; the future completes when the exchange is over, however it ended. */
  Future<Void> start(JsonObject body, boolean stream) {
    timers.start();
    client.closeHandler(v -> finish(true));
    this.payload = body.toBuffer();
    this.stream = stream;
    this.model = body.getString("model", "");
    this.images = UpstreamExchange.requestedImages(body);
    PooledUpstream upstream = pool.choose(model, images, tried);
    if (upstream == null) {
      fail(pool.unavailable(model, images));
    } else {
      send(upstream);
    }
    return finished.future();
  }

  private void send(PooledUpstream upstream) {
    attempt = pool.begin(upstream, images);
    errors = attempt.errors();
    request = null;
    responded = false;
    UpstreamAttempt current = attempt;
    UpstreamRequest.send(http, current.options(config, stream ? "text/event-stream" : "application/json"), payload,
        () -> done || current != attempt, req -> request = req)
      .onComplete(ar -> {
        if (current != attempt || current.ended() || done) {
          return;
        }
        if (ar.failed()) {
          UpstreamFailure failure = UpstreamRequest.failure(ar.cause(), config);
          attempt.failed(failure.errorCode(), true);
          if (request != null || !failOver()) {
            fail(failure);
          }
        } else if (ar.result().statusCode() / 100 == 2) {
          responded = true;
          relay(ar.result(), stream);
        } else {
          responded = true;
          relayError(ar.result());
        }
      });
  }

  /** Moves the call to the next upstream of the pool, when there is one; nothing has reached the client yet. */
  private boolean failOver() {
    String from = attempt.name();
    attempt.end(); // first: the reset below fails the request, and an ended attempt's callbacks are ignored
    if (request != null) {
      request.reset();
      request = null;
    }
    tried.add(from);
    PooledUpstream next = pool.choose(model, images, tried);
    if (next == null) {
      return false;
    }
    metrics.upstreamFailover(from, next.name());
    timers.restartFirstEvent();
    send(next);
    return true;
  }

  private void timeout(String reason) {
    UpstreamFailure failure = UpstreamFailure.of(ErrorCode.UPSTREAM_TIMEOUT, reason);
    if (attempt != null && timers.firstEventTimedOut()) {
      attempt.failed(failure.errorCode(), true);
      if (!responded && !client.headWritten() && failOver()) {
        return;
      }
    }
    fail(failure);
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
    this.response = response;
    filter = new RelayedBodyFilter(errors, client::write, this::writeSlice);
    client.setStatusCode(response.statusCode()).setChunked(true);
    copyHeaders(response.headers());
    if (stream) {
      client.putHeader("X-Accel-Buffering", "no");
    }
    client.writeHead();
    tapped = BodyTap.readRest(response, this::onTapped);
    metrics.upstreamBody(tapped != null);
    if (tapped == null) {
      response.handler(chunk -> {
        attempt.answered();
        onChunk(chunk);
      });
    }
    response.endHandler(v -> {
      untap();
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

  private void onTapped(ByteBuf bytes) {
    chunkInHand = bytes;
    try {
      if (!done) {
        attempt.answered();
        onChunk(BufferInternal.buffer(bytes.slice()));
      }
    } finally {
      chunkInHand = null;
      bytes.release();
    }
  }

  /** A slice of the chunk in hand goes to the socket as it is; the chunk is kept until it has been written. */
  private void writeSlice(Buffer slice) {
    ByteBuf owner = chunkInHand;
    if (owner == null) {
      client.write(slice);
      return;
    }
    owner.retain();
    try {
      client.write(slice).onComplete(written -> owner.release());
    } catch (RuntimeException e) {
      owner.release();
      throw e;
    }
  }

  private void untap() {
    if (tapped != null) {
      tapped.stop();
      tapped = null;
    }
  }

  private void onChunk(Buffer chunk) {
    if (done) {
      return;
    }
    timers.activity();
    filter.accept(chunk);
    if (client.writeQueueFull()) {
      pauseReading();
      timers.suspendIdle();
      client.drainHandler(v -> {
        if (!done) {
          timers.activity();
          resumeReading();
        }
      });
    }
  }

  private void pauseReading() {
    if (tapped != null) {
      tapped.pause();
    } else {
      response.pause();
    }
  }

  private void resumeReading() {
    if (tapped != null) {
      tapped.resume();
    } else {
      response.resume();
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
      int status = response.statusCode();
      if (status == 429) {
        attempt.rateLimited(UpstreamErrors.parseRetryAfter(retryAfter));
      } else if (status >= 500) {
        attempt.failed(UpstreamErrors.codeFor(status, null), true);
      } else {
        attempt.failed(UpstreamErrors.codeFor(status, null), false);
      }
      if ((status == 429 || status >= 500) && failOver()) {
        return;
      }
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
    if (attempt != null) {
      attempt.failed(failure.errorCode(), false);
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
    if (attempt != null) {
      attempt.end();
    }
    untap();
    if (resetUpstream && request != null) {
      request.reset();
    }
    finished.tryComplete();
  }
}
