package dev.seedstream.job;

import dev.seedstream.sse.EventSink;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An event stream with no socket behind it: it keeps what a job writes, and the test plays the client,
 * filling its write queue, draining it, or going away. Used on the event loop, like the real one.
 */
final class RecordingSink implements EventSink {

  private static final Pattern FRAME_HEAD = Pattern.compile("(?m)^id: ([0-9]+)\nevent: ([a-z_]+)$");

  private final Buffer written = Buffer.buffer();
  private final Promise<String> finished = Promise.promise();
  private Handler<Void> onClose;
  private Handler<Void> drainHandler;
  private boolean opened;
  private boolean closed;
  private boolean full;

  /** One frame as the client would see it: its id and event type. */
  record Frame(long id, String type) {
  }

  @Override
  public EventSink open(Handler<Void> onClose) {
    if (opened) {
      throw new IllegalStateException("opened twice");
    }
    opened = true;
    this.onClose = onClose;
    return this;
  }

  @Override
  public Future<Void> write(Buffer bytes) {
    if (!opened) {
      throw new IllegalStateException("written before it was opened");
    }
    if (!closed) {
      written.appendBuffer(bytes);
    }
    return Future.succeededFuture();
  }

  @Override
  public boolean writeQueueFull() {
    return full;
  }

  @Override
  public void drainHandler(Handler<Void> handler) {
    this.drainHandler = handler;
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  @Override
  public void end() {
    close("ended");
  }

  @Override
  public void abort() {
    close("aborted");
  }

  /** The client stops reading: the queue stays full until {@link #drain()}. */
  void fill() {
    full = true;
  }

  /** The client caught up. */
  void drain() {
    full = false;
    Handler<Void> handler = drainHandler;
    drainHandler = null;
    if (handler != null) {
      handler.handle(null);
    }
  }

  /** The client goes away, as a closed connection reports it. */
  void clientGone() {
    if (!closed) {
      closed = true;
      finished.tryComplete("gone");
      onClose.handle(null);
    }
  }

  boolean opened() {
    return opened;
  }

  /** Completes with "ended" or "aborted" when the job side closes the stream, or "gone" when the client did. */
  Future<String> finished() {
    return finished.future();
  }

  String text() {
    return written.toString();
  }

  List<Frame> frames() {
    List<Frame> frames = new ArrayList<>();
    Matcher m = FRAME_HEAD.matcher(text());
    while (m.find()) {
      frames.add(new Frame(Long.parseLong(m.group(1)), m.group(2)));
    }
    return frames;
  }

  private void close(String how) {
    if (!closed) {
      closed = true;
      finished.tryComplete(how);
    }
  }
}
