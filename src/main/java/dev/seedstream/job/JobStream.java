package dev.seedstream.job;

import dev.seedstream.sse.EventSink;
import io.vertx.core.Vertx;

/**
 * One listener's walk through a job's log. It writes at the client's pace: when the sink's write
 * queue is full it stops and waits for the drain, holding nothing but its cursor. Large events go out in
 * slices so that backpressure has grain. A client that makes no write progress for the write timeout is
 * dropped; the job goes on for the others and for replay.
 */
public final class JobStream {

  private final EventLog log;
  private final EventSink out;
  private final Vertx vertx;
  private final long writeTimeoutMs;
  private final Runnable onDone;
  private boolean done;
  /** The id of the last event this listener has had, or asked to skip: it gets only those after it. */
  private long cursor;
  /** The next slice to write of the event after {@link #cursor}. */
  private int slice;
  private boolean waiting;
  private long stallTimer = -1;

  JobStream(EventLog log, EventSink out, Vertx vertx, long writeTimeoutMs, long afterEventId, Runnable onDone) {
    this.onDone = onDone;
    this.log = log;
    this.out = out;
    this.vertx = vertx;
    this.writeTimeoutMs = writeTimeoutMs;
    this.cursor = afterEventId;
  }

  void pump() {
    if (waiting || out.isClosed()) {
      return;
    }
    while (cursor < log.lastEventId()) {
      JobEvent event = log.event((int) cursor);
      if (!writeFrame(event)) {
        return;
      }
      slice = 0;
      cursor++;
      if (event.terminal()) {
        end();
        return;
      }
    }
    if (log.ended()) {
      // Resumed after an id the job never reached: its terminal event was among those skipped.
      end();
    }
  }

  /** Ends the stream early (its source went away); the client reconnects with Last-Event-ID. */
  void cutOff() {
    end();
  }

  private void end() {
    out.end();
    closed();
  }

  /** Writes what is left of one frame; false when the client must drain first. */
  private boolean writeFrame(JobEvent event) {
    while (slice < event.slices()) {
      if (out.writeQueueFull()) {
        waitForDrain();
        return false;
      }
      event.writeSlice(slice++, out);
    }
    return true;
  }

  private void waitForDrain() {
    waiting = true;
    stallTimer = vertx.setTimer(writeTimeoutMs, t -> {
      out.abort();
      closed();
    });
    out.drainHandler(v -> {
      vertx.cancelTimer(stallTimer);
      waiting = false;
      pump();
    });
  }

  /** The client went away (or was dropped): stop following the job. */
  void closed() {
    vertx.cancelTimer(stallTimer);
    log.unsubscribe(this);
    if (!done) {
      done = true;
      onDone.run();
    }
  }
}
