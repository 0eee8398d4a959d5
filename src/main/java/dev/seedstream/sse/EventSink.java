package dev.seedstream.sse;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;

/**
 * Where one listener's event stream goes: encoded frames in, with the writer told when to wait. The job
 * layer writes to it and knows nothing of what carries it; over HTTP that is {@link SseResponse}, which a
 * route builds around its response. Nothing reaches the client before {@link #open}, so a stream refused
 * over a limit can still be answered with an error instead.
 */
public interface EventSink {

  /** Starts the stream; {@code onClose} runs once if the client goes away before {@link #end} or {@link #abort}. */
  EventSink open(Handler<Void> onClose);

  /** Completes once the bytes are sent, or fails once they never will be; at once when already closed. */
  Future<Void> write(Buffer bytes);

  /** True while the writer should stop and wait for the {@link #drainHandler}. */
  boolean writeQueueFull();

  void drainHandler(Handler<Void> handler);

  boolean isClosed();

  /** Ends the stream normally after its terminal event. */
  void end();

  /** Drops a client that cannot keep up or must go: closed, not drained. */
  void abort();
}
