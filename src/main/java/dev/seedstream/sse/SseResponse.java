package dev.seedstream.sse;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/**
 * The server side of one event stream. It commits the head and a {@code retry:} line at once, before the
 * upstream has produced anything, so no proxy's first-byte timer fires during a long generation; it sends
 * a {@code : ping} comment whenever the stream has been quiet for a heartbeat interval; and it exposes the
 * response's backpressure so the writer can wait instead of queueing. Building one writes nothing: the
 * head goes out on {@link #open}.
 */
public final class SseResponse implements EventSink {

  private static final long RETRY_MS = 3000;
  private static final Buffer PING = Buffer.buffer(SseFrames.comment("ping"));

  private final HttpServerResponse response;
  private final SilenceTimer heartbeat;
  private boolean closed;

  public SseResponse(Vertx vertx, HttpServerResponse response, long heartbeatMs) {
    this.response = response;
    this.heartbeat = new SilenceTimer(vertx, heartbeatMs, this::heartbeat);
  }

  /** Writes the head and the retry hint; {@code onClose} runs once if the client goes away first. */
  @Override
  public SseResponse open(Handler<Void> onClose) {
    response.setStatusCode(200)
      .setChunked(true)
      .putHeader("Content-Type", "text/event-stream; charset=utf-8")
      .putHeader("Cache-Control", "no-cache")
      .putHeader("X-Accel-Buffering", "no");
    response.closeHandler(v -> {
      if (!closed) {
        closed = true;
        heartbeat.stop();
        onClose.handle(null);
      }
    });
    write(Buffer.buffer(SseFrames.retry(RETRY_MS)));
    return this;
  }

  /** Completes once the bytes are sent, or fails once they never will be; at once when already closed. */
  @Override
  public Future<Void> write(Buffer bytes) {
    if (closed) {
      return Future.succeededFuture();
    }
    Future<Void> sent = response.write(bytes);
    heartbeat.activity();
    return sent;
  }

  @Override
  public boolean writeQueueFull() {
    return response.writeQueueFull();
  }

  @Override
  public void drainHandler(Handler<Void> handler) {
    response.drainHandler(handler);
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  /** Ends the stream normally after its terminal event. */
  @Override
  public void end() {
    if (!closed) {
      closed = true;
      heartbeat.stop();
      response.end();
    }
  }

  /** Drops a client that cannot keep up or must go; the connection is closed, not drained. */
  @Override
  public void abort() {
    if (!closed) {
      closed = true;
      heartbeat.stop();
      response.reset();
    }
  }

  /** A write queue still full after a whole interval needs no ping: the stream is not quiet, just slow. */
  private void heartbeat() {
    if (!closed && !response.writeQueueFull()) {
      write(PING);
    } else if (!closed) {
      heartbeat.activity();
    }
  }
}
