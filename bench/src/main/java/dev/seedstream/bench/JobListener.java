package dev.seedstream.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.internal.buffer.BufferInternal;

import java.util.function.LongSupplier;

/**
 * A client watching an existing job: {@code GET <events_url>} on one node, read with the bench's
 * {@link EventStreamReader} into a {@link RunStats}, as {@link BenchStream} does for a stream it started itself.
 * Events stamped before {@code recordFromNanos} (sent before every listener of the run was attached, or in the
 * left-out opening seconds) go to {@code openingLastByte} only. Runs on its run's one context.
 */
final class JobListener implements EventStreamReader.Sink {

  private final RunStats stats;
  private final LongSupplier recordFromNanos;
  private final EventStreamReader reader = new EventStreamReader(this);
  private final Promise<Void> attached = Promise.promise();
  private final Promise<Void> ended = Promise.promise();

  JobListener(RunStats stats, LongSupplier recordFromNanos) {
    this.stats = stats;
    this.recordFromNanos = recordFromNanos;
  }

  /** Opens the stream; {@link #attached()} completes on its response head (or failure), {@link #ended()} at its end. */
  JobListener open(HttpClientAgent http, int port, String eventsUrl) {
    stats.streamsStarted++;
    http.request(new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port).setURI(eventsUrl)
        .putHeader("Accept", "text/event-stream").putHeader("Authorization", "Bearer bench"))
      .compose(req -> req.send())
      .onSuccess(this::onResponse)
      .onFailure(e -> end(BenchStream.classify(e)));
    return this;
  }

  Future<Void> attached() {
    return attached.future();
  }

  Future<Void> ended() {
    return ended.future();
  }

  private void onResponse(HttpClientResponse resp) {
    attached.tryComplete();
    if (resp.statusCode() != 200) {
      resp.body().onComplete(ar -> end("http_" + resp.statusCode()));
      return;
    }
    stats.streamsEstablished++;
    resp.handler(chunk -> reader.feed(((BufferInternal) chunk).getByteBuf(), System.nanoTime()));
    resp.exceptionHandler(e -> end(BenchStream.classify(e)));
    resp.endHandler(v -> end(reader.sawTerminal() ? null : "premature_end"));
  }

  @Override
  public void image(long stampNanos, long firstByteNanos, long lastByteNanos, long eventBytes) {
    stats.events++;
    stats.eventBytes += eventBytes;
    if (stampNanos < recordFromNanos.getAsLong()) {
      stats.openingLastByte.recordValue(Math.max(0, lastByteNanos - stampNanos));
      return;
    }
    stats.lastByte.recordValue(Math.max(0, lastByteNanos - stampNanos));
    stats.firstByte.recordValue(Math.max(0, firstByteNanos - stampNanos));
    stats.trace(stampNanos, lastByteNanos - stampNanos);
  }

  @Override
  public void imageFailed() {
    stats.imageFailures++;
  }

  @Override
  public void terminal(String failure) {
    if (failure != null) {
      stats.error("event_" + failure);
    }
  }

  private void end(String errorClass) {
    if (ended.future().isComplete()) {
      return;
    }
    attached.tryComplete();
    if (errorClass == null) {
      stats.streamsCompleted++;
    } else {
      stats.error(errorClass);
    }
    ended.complete();
  }
}
