package dev.seedstream.upstream;

import dev.seedstream.config.GatewayConfig;
import dev.seedstream.failure.ErrorCode;
import dev.seedstream.observe.GatewayMetrics;
import dev.seedstream.sse.SseEventTooLargeException;
import dev.seedstream.sse.BlockPool;
import dev.seedstream.sse.SseParser;
import io.netty.buffer.ByteBuf;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.json.JsonObject;

import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Logger;

/**
 * One upstream generation: the HTTP exchange, its three timers (first bytes, idle between bytes, total)
 * and the decoding of the answer. Everything runs on the context that started it, so no locking.
 * Exactly one terminal event reaches the listener, and none after {@link #cancel()}.
 */
final class UpstreamExchange implements UpstreamCall {

  private static final Logger LOG = Logger.getLogger(UpstreamExchange.class.getName());

  private final Vertx vertx;
  private final HttpClientAgent http;
  private final GatewayConfig config;
  private final UpstreamErrors errors;
  private final UpstreamEvents events;
  private final UpstreamEventMapper mapper;
  private final GatewayMetrics metrics;
  private final UpstreamTimers timers;

  private HttpClientRequest request;
  private Buffer payload;
  private int attempt;
  private long retryTimer = -1;
  private boolean done;
  private long lingerTimer = -1;
  private Mode mode = Mode.UNDECIDED;
  private SseParser parser;
  private final BlockPool blocks;
  private Buffer jsonBody;

  private enum Mode { UNDECIDED, SSE, JSON }

  UpstreamExchange(Vertx vertx, HttpClientAgent http, GatewayConfig config, UpstreamErrors errors, UpstreamEvents events,
                   GatewayMetrics metrics, BlockPool blocks) {
    this.metrics = metrics;
    this.blocks = blocks;
    this.vertx = vertx;
    this.http = http;
    this.config = config;
    this.errors = errors;
    this.events = events;
    this.mapper = new UpstreamEventMapper(new LiveEvents(), errors, config.upstream().imageHosts());
    this.timers = new UpstreamTimers(vertx, config, this::timeout);
  }

  void start(JsonObject body) {
    timers.start();
    payload = body.toBuffer();
    send();
  }

  private void send() {
    request = null;
    UpstreamRequest.send(http, UpstreamRequest.options(config, "text/event-stream"), payload, () -> done, req -> request = req)
      .onComplete(ar -> {
        if (ar.succeeded()) {
          onResponse(ar.result());
        } else {
          onRequestFailure(ar.cause());
        }
      });
  }

  @Override
  public void cancel() {
    if (!done) {
      done = true;
      release();
    }
  }

  private void onResponse(HttpClientResponse response) {
    if (done) {
      return;
    }
    metrics.upstreamStatus(response.statusCode());
    if (response.statusCode() != 200) {
      readError(response);
      return;
    }
    String encoding = response.getHeader(HttpHeaders.CONTENT_ENCODING);
    if (encoding != null && !encoding.equalsIgnoreCase("identity")) {
      fail(UpstreamFailure.of(ErrorCode.UPSTREAM_PROTOCOL, "the upstream sent a " + encoding + "-encoded body the gateway did not ask for"));
      return;
    }
    response.handler(this::onChunk);
    response.endHandler(v -> onEnd());
    response.exceptionHandler(this::onStreamError);
  }

  private void onChunk(Buffer chunk) {
    if (done) {
      return;
    }
    // Any byte is life: a large image arrives over many chunks, and a slow link must not pass for a silent one.
    timers.activity();
    if (mode == Mode.UNDECIDED) {
      decideMode(chunk);
    }
    try {
      if (mode == Mode.SSE) {
        feedParser(chunk);
      } else if (mode == Mode.JSON) {
        appendJson(chunk);
      }
    } catch (SseEventTooLargeException e) {
      fail(UpstreamFailure.of(ErrorCode.UPSTREAM_PROTOCOL, "an upstream event exceeded the " + config.limits().maxEventBytes() + "-byte cap"));
    }
  }

  /**
   * The parser copies what it keeps, so it reads the chunk where it lies: Vert.x hands the response over in
   * heap buffers already, and {@code getBytes()} would allocate and copy every chunk a second time: 8 MiB
   * more garbage per 8 MiB image, and young collections that come sooner for every event.
   */
  private void feedParser(Buffer chunk) {
    ByteBuf bytes = chunk instanceof BufferInternal internal ? internal.getByteBuf() : null;
    if (bytes != null && bytes.hasArray()) {
      parser.feed(bytes.array(), bytes.arrayOffset() + bytes.readerIndex(), bytes.readableBytes());
    } else {
      parser.feed(chunk.getBytes());
    }
  }

  /** Some relays answer a streaming request with plain JSON; the first byte tells, not the Content-Type. */
  private void decideMode(Buffer chunk) {
    for (int i = 0; i < chunk.length(); i++) {
      byte b = chunk.getByte(i);
      if (b == ' ' || b == '\t' || b == '\r' || b == '\n' || b == (byte) 0xEF || b == (byte) 0xBB || b == (byte) 0xBF) {
        continue;
      }
      if (b == '{') {
        mode = Mode.JSON;
        jsonBody = Buffer.buffer();
      } else {
        mode = Mode.SSE;
        parser = new SseParser(config.limits().maxEventBytes(), blocks, mapper::accept);
      }
      return;
    }
  }

  private void appendJson(Buffer chunk) {
    if (jsonBody.length() + chunk.length() > config.limits().maxEventBytes()) {
      fail(UpstreamFailure.of(ErrorCode.UPSTREAM_PROTOCOL, "the upstream's JSON answer exceeded the " + config.limits().maxEventBytes() + "-byte cap"));
      return;
    }
    jsonBody.appendBuffer(chunk);
  }

  private void onEnd() {
    if (!done) {
      decodeEnd();
    }
    // A completion seen just now armed the linger timer; the answer has ended, so it has nothing to do.
    vertx.cancelTimer(lingerTimer);
  }

  private void decodeEnd() {
    if (mode == Mode.JSON) {
      try {
        mapper.acceptBody(new JsonObject(jsonBody));
      } catch (RuntimeException e) {
        fail(UpstreamFailure.of(ErrorCode.UPSTREAM_PROTOCOL, "the upstream's JSON answer could not be parsed"));
      }
      return;
    }
    try {
      if (parser != null) {
        parser.end();
      }
    } catch (SseEventTooLargeException e) {
      fail(UpstreamFailure.of(ErrorCode.UPSTREAM_PROTOCOL, "an upstream event exceeded the " + config.limits().maxEventBytes() + "-byte cap"));
      return;
    }
    mapper.acceptEnd();
  }

  /**
   * A connection closed in an orderly way before {@code completed} (no reset, no terminating chunk) is a stream
   * that ended early: truncated. A reset or any other failure of the connection is the upstream being unavailable.
   */
  private void onStreamError(Throwable cause) {
    if (cause instanceof HttpClosedException) {
      fail(UpstreamFailure.of(ErrorCode.UPSTREAM_TRUNCATED, "the upstream closed the stream before it completed"));
      return;
    }
    connectionBroke(cause);
  }

  private void connectionBroke(Throwable cause) {
    fail(UpstreamFailure.of(ErrorCode.UPSTREAM_UNAVAILABLE, "the upstream connection broke mid-stream (" + cause.getClass().getSimpleName() + ")"));
  }

  private void readError(HttpClientResponse response) {
    UpstreamRequest.readCapped(response, body -> {
      UpstreamFailure failure = errors.fromResponse(response.statusCode(),
        response.getHeader(HttpHeaders.RETRY_AFTER), body.toString(StandardCharsets.UTF_8));
      boolean refusedBeforeWork = response.statusCode() == 429 || response.statusCode() == 503;
      if (!refusedBeforeWork || !retry(failure.retryAfterSeconds())) {
        fail(failure);
      }
    }, this::connectionBroke);
  }

  /**
   * Tries the call again after a capped, jittered delay, honouring Retry-After. Only for answers that
   * cannot have been billed (a refused connection, a 429/503 before any event): a retry after an image
   * could pay twice for the same pictures. Returns false when no retry is left or worth waiting for.
   */
  private boolean retry(Long retryAfterSeconds) {
    if (done || attempt >= config.upstream().retries()) {
      return false;
    }
    long backoff = Math.min(config.upstream().retryMaxDelayMs(), 100L << attempt);
    long jittered = backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
    long delay = retryAfterSeconds == null ? jittered : Math.max(jittered, retryAfterSeconds * 1000);
    if (delay > config.upstream().retryMaxDelayMs() || delay >= timers.millisBeforeADeadline()) {
      // A wait the gateway's own deadline would cut short: the client gets the upstream's Retry-After instead
      // of a timeout that was never the upstream's doing.
      return false;
    }
    attempt++;
    metrics.upstreamRetry();
    request = null;
    retryTimer = vertx.setTimer(delay, id -> {
      if (!done) {
        send();
      }
    });
    return true;
  }

  private void onRequestFailure(Throwable cause) {
    if (done || cause instanceof ConnectException && retry(null)) {
      return;
    }
    fail(UpstreamRequest.failure(cause, config));
  }

  private void timeout(String message) {
    fail(UpstreamFailure.of(ErrorCode.UPSTREAM_TIMEOUT, message));
  }

  private void fail(UpstreamFailure failure) {
    if (done) {
      return;
    }
    done = true;
    release();
    events.onFailure(failure);
  }

  /** Stops the timers and, unless the upstream already ended cleanly, resets the connection. */
  private void release() {
    timers.stop();
    vertx.cancelTimer(retryTimer);
    if (request != null) {
      request.reset();
    }
    if (parser != null) {
      parser.discard();
      parser = null;
    }
    jsonBody = null;
  }

  /**
   * The mapper's events as the job gets them: only while the exchange is live (none after a cancel or a failure),
   * each restarting the idle timer, and the terminal one ending the exchange.
   */
  private final class LiveEvents implements UpstreamEvents {

    @Override
    public void onImage(GeneratedImage image) {
      if (!done) {
        timers.activity();
        events.onImage(image);
      }
    }

    @Override
    public void onImageFailed(int index, String code, String message) {
      if (!done) {
        timers.activity();
        events.onImageFailed(index, code, message);
      }
    }

    @Override
    public void onCompleted(JsonObject usage) {
      if (!done) {
        done = true;
        timers.stop();
        // The answer normally ends with [DONE] right away; one that lingers open is closed, not kept.
        lingerTimer = vertx.setTimer(Math.min(5000, config.timeouts().idleTimeoutMs()), id -> request.reset());
        LOG.fine("upstream completed");
        events.onCompleted(usage);
      }
    }

    @Override
    public void onFailure(UpstreamFailure failure) {
      fail(failure);
    }
  }
}
