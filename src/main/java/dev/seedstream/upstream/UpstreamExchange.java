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
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Logger;

/**
 * One upstream generation: the HTTP exchange with an upstream of the pool, its three timers (first bytes, idle
 * between bytes, total) and the decoding of the answer. Everything runs on the context that started it, so no
 * locking. Exactly one terminal event reaches the listener, and none after {@link #cancel()}.
 * <p>
 * A call moves to another upstream only while nothing can have been billed: no connection could be made (refused,
 * DNS, TLS, connect timeout), the answer was a 429 or a 5xx, or the first-event deadline passed with no answer at
 * all. Never after a byte of a stream, and never after a 400 (the request's fault, the same anywhere). With no
 * other upstream to take it, the retry below waits and calls again, as for a single upstream.
 */
final class UpstreamExchange implements UpstreamCall {

  private static final Logger LOG = Logger.getLogger(UpstreamExchange.class.getName());
  /**
   * Where an event loop copies a direct buffer's bytes for the parser, which copies what it keeps: the heap
   * copy Vert.x's client made of every chunk, without the garbage.
   */
  private static final ThreadLocal<byte[]> PARSER_INPUT = ThreadLocal.withInitial(() -> new byte[64 * 1024]);

  private final Vertx vertx;
  private final HttpClientAgent http;
  private final GatewayConfig config;
  private final UpstreamPool pool;
  private final UpstreamEvents events;
  private UpstreamEventMapper mapper;
  private final GatewayMetrics metrics;
  private final UpstreamTimers timers;
  /** Upstreams this round of calls has moved away from; a retry after a wait starts a new round. */
  private final Set<String> tried = new HashSet<>();
  private UpstreamAttempt attempt;
  private String model;
  private int images;
  /** Whether the current upstream has answered at all (a response head): then the call stays with it. */
  private boolean responded;

  private HttpClientRequest request;
  private Buffer payload;
  private int retries;
  private long retryTimer = -1;
  private boolean done;
  private long lingerTimer = -1;
  private Mode mode = Mode.UNDECIDED;
  private SseParser parser;
  private final BlockPool blocks;
  private Buffer jsonBody;
  /** The answer's body comes through here, not through Vert.x's client, when the connection allows it. */
  private BodyTap.Reading tapped;

  private enum Mode { UNDECIDED, SSE, JSON }

  UpstreamExchange(Vertx vertx, HttpClientAgent http, GatewayConfig config, UpstreamPool pool, UpstreamEvents events,
                   GatewayMetrics metrics, BlockPool blocks) {
    this.metrics = metrics;
    this.blocks = blocks;
    this.vertx = vertx;
    this.http = http;
    this.config = config;
    this.pool = pool;
    this.events = events;
    this.timers = new UpstreamTimers(vertx, config, this::timeout);
  }

  /**
   * Chooses the upstream and names it to the listener before returning; everything else, a failure included,
   * reaches the listener later, so that the job's {@code started} event can name the upstream and come first.
   */
  void start(JsonObject body) {
    timers.start();
    payload = body.toBuffer();
    model = body.getString("model", "");
    images = requestedImages(body);
    PooledUpstream upstream = pool.choose(model, images, tried);
    if (upstream != null) {
      choose(upstream);
    }
    vertx.runOnContext(v -> {
      if (done) {
        return;
      }
      if (upstream != null) {
        send();
      } else {
        noUpstream();
      }
    });
  }

  /** Images the call may bill: 1, or {@code max_images} in group mode (the validator filled it in). */
  static int requestedImages(JsonObject body) {
    if (!"auto".equals(body.getValue("sequential_image_generation"))) {
      return 1;
    }
    Object options = body.getValue("sequential_image_generation_options");
    Object max = options instanceof JsonObject json ? json.getValue("max_images") : null;
    return max instanceof Number number ? Math.max(1, number.intValue()) : 15;
  }

  private void choose(PooledUpstream upstream) {
    attempt = pool.begin(upstream, images);
    mapper = new UpstreamEventMapper(new LiveEvents(), attempt.errors(), config.upstream().imageHosts());
    events.onUpstream(attempt.name());
  }

  /** No upstream may take the call now (breakers open, limits reached): wait for one if a retry allows, or fail. */
  private void noUpstream() {
    UpstreamFailure none = pool.unavailable(model, images);
    if (!none.retryable() || !retry(none.retryAfterSeconds())) {
      fail(none);
    }
  }

  private void send() {
    request = null;
    responded = false;
    UpstreamAttempt current = attempt;
    UpstreamRequest.send(http, current.options(config, "text/event-stream"), payload, () -> done || current != attempt,
        req -> request = req)
      .onComplete(ar -> {
        if (current != attempt || current.ended()) {
          return; // abandoned (another upstream, or a wait before a retry): already reset
        }
        if (ar.succeeded()) {
          onResponse(ar.result());
        } else {
          onRequestFailure(ar.cause());
        }
      });
  }

  /**
   * The call failed before anything could have been billed: the next upstream of this round takes it at once;
   * with none left, {@code retrySame} says whether waiting and calling again is worth it (as before pools: a
   * refused connection, a 429 or a 503).
   */
  private void failOver(UpstreamFailure failure, boolean retrySame) {
    if (done) {
      return;
    }
    String from = attempt.name();
    attempt.end(); // first: the reset below fails the request, and an ended attempt's callbacks are ignored
    resetRequest();
    tried.add(from);
    PooledUpstream next = pool.choose(model, images, tried);
    if (next != null) {
      metrics.upstreamFailover(from, next.name());
      LOG.info("upstream " + from + " failed before any event (" + failure.errorCode().wire() + "); trying " + next.name());
      choose(next);
      timers.restartFirstEvent();
      send();
    } else if (!retrySame || !retry(failure.retryAfterSeconds())) {
      fail(failure);
    }
  }

  private void resetRequest() {
    if (request != null) {
      request.reset();
      request = null;
    }
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
    responded = true;
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
    // A stream has begun: from here no path sends the request again (no fail-over, no retry), so its body,
    // a few hundred bytes, need not live as long as the stream.
    payload = null;
    tapped = BodyTap.readRest(response, this::onTapped);
    metrics.upstreamBody(tapped != null);
    if (tapped == null) {
      response.handler(chunk -> onBytes(((BufferInternal) chunk).getByteBuf()));
    }
    response.endHandler(v -> onEnd());
    response.exceptionHandler(this::onStreamError);
  }

  private void onTapped(ByteBuf bytes) {
    try {
      onBytes(bytes);
    } finally {
      bytes.release();
    }
  }

  private void untap() {
    if (tapped != null) {
      tapped.stop();
      tapped = null;
    }
  }

  /** A piece of the body; read here, not kept. */
  private void onBytes(ByteBuf bytes) {
    if (done) {
      return;
    }
    // Any byte is life: a large image arrives over many chunks, and a slow link must not pass for a silent one.
    timers.activity();
    attempt.answered();
    if (mode == Mode.UNDECIDED) {
      decideMode(bytes);
    }
    try {
      if (mode == Mode.SSE) {
        feedParser(bytes);
      } else if (mode == Mode.JSON) {
        appendJson(bytes);
      }
    } catch (SseEventTooLargeException e) {
      fail(UpstreamFailure.of(ErrorCode.UPSTREAM_PROTOCOL, "an upstream event exceeded the " + config.limits().maxEventBytes() + "-byte cap"));
    }
  }

  /**
   * The parser copies what it keeps, so it reads a heap chunk where it lies, and a direct one (the network's,
   * through the tap) a slice at a time through one array per event loop.
   */
  private void feedParser(ByteBuf bytes) {
    if (bytes.hasArray()) {
      parser.feed(bytes.array(), bytes.arrayOffset() + bytes.readerIndex(), bytes.readableBytes());
      return;
    }
    byte[] input = PARSER_INPUT.get();
    for (int from = bytes.readerIndex(); from < bytes.writerIndex() && parser != null; ) {
      int length = Math.min(input.length, bytes.writerIndex() - from);
      bytes.getBytes(from, input, 0, length);
      parser.feed(input, 0, length);
      from += length;
    }
  }

  /** Some relays answer a streaming request with plain JSON; the first byte tells, not the Content-Type. */
  private void decideMode(ByteBuf bytes) {
    for (int i = bytes.readerIndex(); i < bytes.writerIndex(); i++) {
      byte b = bytes.getByte(i);
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

  private void appendJson(ByteBuf bytes) {
    if (jsonBody.length() + bytes.readableBytes() > config.limits().maxEventBytes()) {
      fail(UpstreamFailure.of(ErrorCode.UPSTREAM_PROTOCOL, "the upstream's JSON answer exceeded the " + config.limits().maxEventBytes() + "-byte cap"));
      return;
    }
    jsonBody.appendBuffer(BufferInternal.buffer(bytes.duplicate()));
  }

  private void onEnd() {
    untap();
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

  /**
   * An error answer: a 429 cools that upstream down and a 5xx counts against its breaker, and both move the call
   * to another upstream (nothing was generated, so nothing billed). Anything else ends the call: a 400 would be
   * refused the same anywhere.
   */
  private void readError(HttpClientResponse response) {
    UpstreamRequest.readCapped(response, body -> {
      if (done) {
        return;
      }
      int status = response.statusCode();
      UpstreamFailure failure = attempt.errors().fromResponse(status, response.getHeader(HttpHeaders.RETRY_AFTER),
        body.toString(StandardCharsets.UTF_8));
      if (status == 429) {
        attempt.rateLimited(failure.retryAfterSeconds());
        failOver(failure, true);
      } else if (status >= 500) {
        attempt.failed(failure.errorCode(), true);
        failOver(failure, status == 503);
      } else {
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
    if (done || retries >= config.upstream().retries()) {
      return false;
    }
    long backoff = Math.min(config.upstream().retryMaxDelayMs(), 100L << retries);
    long jittered = backoff / 2 + ThreadLocalRandom.current().nextLong(backoff / 2 + 1);
    long delay = retryAfterSeconds == null ? jittered : Math.max(jittered, retryAfterSeconds * 1000);
    if (delay > config.upstream().retryMaxDelayMs() || delay >= timers.millisBeforeADeadline()) {
      // A wait the gateway's own deadline would cut short: the client gets the upstream's Retry-After instead
      // of a timeout that was never the upstream's doing.
      return false;
    }
    retries++;
    metrics.upstreamRetry();
    if (attempt != null) {
      attempt.end();
    }
    resetRequest();
    retryTimer = vertx.setTimer(delay, id -> {
      retryTimer = -1;
      if (done) {
        return;
      }
      tried.clear();
      PooledUpstream upstream = pool.choose(model, images, tried);
      if (upstream == null) {
        fail(pool.unavailable(model, images));
      } else {
        choose(upstream);
        send();
      }
    });
    return true;
  }

  /**
   * No answer. When no connection could even be made, nothing reached the upstream, so another may take the
   * call; a connection that broke after the request went out may have started a paid generation.
   */
  private void onRequestFailure(Throwable cause) {
    if (done) {
      return;
    }
    UpstreamFailure failure = UpstreamRequest.failure(cause, config);
    attempt.failed(failure.errorCode(), true);
    if (request == null) {
      failOver(failure, cause instanceof ConnectException);
    } else {
      fail(failure);
    }
  }

  private void timeout(String message) {
    UpstreamFailure failure = UpstreamFailure.of(ErrorCode.UPSTREAM_TIMEOUT, message);
    boolean beforeAnyAnswer = timers.firstEventTimedOut() && retryTimer == -1 && !responded;
    if (attempt != null && timers.firstEventTimedOut() && retryTimer == -1) {
      attempt.failed(failure.errorCode(), true);
    }
    if (beforeAnyAnswer) {
      failOver(failure, false);
    } else {
      fail(failure);
    }
  }

  private void fail(UpstreamFailure failure) {
    if (done) {
      return;
    }
    done = true;
    if (attempt != null) {
      attempt.failed(failure.errorCode(), false);
    }
    release();
    events.onFailure(failure);
  }

  /** Stops the timers and, unless the upstream already ended cleanly, resets the connection. */
  private void release() {
    timers.stop();
    vertx.cancelTimer(retryTimer);
    if (attempt != null) {
      attempt.end();
    }
    untap();
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
        attempt.firstImage();
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
        attempt.end();
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
