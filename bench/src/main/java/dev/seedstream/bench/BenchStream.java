package dev.seedstream.bench;

import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.StreamResetException;
import io.vertx.core.internal.buffer.BufferInternal;

import java.net.ConnectException;
import java.util.concurrent.TimeoutException;

/** One SSE stream of the load client, from the POST to its end, feeding its run's {@link RunStats}. */
final class BenchStream implements EventStreamReader.Sink {

  private final HttpClientAgent http;
  private final LoadClient.Run run;
  private final StreamProfile profile;
  private final boolean paused;
  private final boolean batch;
  private final long scheduledNanos;
  private final EventStreamReader reader = new EventStreamReader(this);
  private HttpClientRequest request;
  private HttpClientResponse response;
  private boolean sawImage;
  private boolean ended;
  private boolean failed;

  BenchStream(HttpClientAgent http, LoadClient.Run run, StreamProfile profile, boolean paused, boolean batch,
              long scheduledNanos) {
    this.http = http;
    this.run = run;
    this.profile = profile;
    this.paused = paused;
    this.batch = batch;
    this.scheduledNanos = scheduledNanos;
  }

  StreamProfile profile() {
    return profile;
  }

  boolean paused() {
    return paused;
  }

  /** Part of an {@code open(count)} batch, whose completion waits for this stream's head. */
  boolean batch() {
    return batch;
  }

  boolean failed() {
    return failed;
  }

  void start() {
    Comparator target = run.target;
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
      .setPort(target.port()).setURI(target.path())
      .putHeader("Content-Type", "application/json").putHeader("Accept", "text/event-stream")
      .putHeader("Authorization", "Bearer bench");
    String body = target.body(profile);
    http.request(options)
      .compose(req -> {
        request = req;
        return req.send(body);
      })
      .onSuccess(this::onResponse)
      .onFailure(e -> {
        run.onHeadOrFailure(this);
        end(classify(e));
      });
  }

  private void onResponse(HttpClientResponse resp) {
    long now = System.nanoTime();
    response = resp;
    run.onHeadOrFailure(this);
    run.stats.timeToHead.recordValue(Math.max(0, now - scheduledNanos));
    if (resp.statusCode() != 200) {
      boolean missing = resp.statusCode() == 404;
      resp.body().onComplete(ar -> end(missing ? "not_available" : "http_" + resp.statusCode()));
      return;
    }
    run.stats.streamsEstablished++;
    resp.handler(chunk -> reader.feed(((BufferInternal) chunk).getByteBuf(), System.nanoTime()));
    resp.exceptionHandler(e -> end(classify(e)));
    resp.endHandler(v -> end(reader.sawTerminal() ? null : "premature_end"));
    if (paused) {
      resp.pause();
    }
  }

  void resume() {
    if (response != null) {
      response.resume();
    }
  }

  void abort(String errorClass) {
    if (request != null) {
      request.reset();
    }
    end(errorClass);
  }

  @Override
  public void image(long stampNanos, long firstByteNanos, long lastByteNanos, long eventBytes) {
    RunStats stats = run.stats;
    stats.events++;
    stats.eventBytes += eventBytes;
    if (!sawImage) {
      sawImage = true;
      long sinceStart = lastByteNanos - scheduledNanos - profile.phaseMs() * 1_000_000L;
      stats.timeToFirstEvent.recordValue(Math.max(0, sinceStart));
    }
    if (stampNanos < run.recordFromNanos()) {
      if (!paused) {
        stats.openingLastByte.recordValue(Math.max(0, lastByteNanos - stampNanos));
      }
      return;
    }
    if (paused) {
      stats.pausedLastByte.recordValue(Math.max(0, lastByteNanos - stampNanos));
    } else {
      stats.lastByte.recordValue(Math.max(0, lastByteNanos - stampNanos));
      stats.trace(stampNanos, lastByteNanos - stampNanos);
      stats.firstByte.recordValue(Math.max(0, firstByteNanos - stampNanos));
    }
  }

  @Override
  public void imageFailed() {
    run.stats.imageFailures++;
  }

  @Override
  public void terminal(String failure) {
    if (failure != null) {
      run.stats.error("event_" + failure);
      failed = true;
    }
  }

  private void end(String errorClass) {
    if (ended) {
      return;
    }
    ended = true;
    if (errorClass == null) {
      run.stats.streamsCompleted++;
    } else if (errorClass.equals("not_available")) {
      run.stats.notAvailable++;
      failed = true;
    } else {
      run.stats.error(errorClass);
      failed = true;
    }
    run.onEnded(this);
  }

  static String classify(Throwable e) {
    String message = String.valueOf(e.getMessage());
    if (message.contains("Too many open files")) {
      return "fd_limit";
    }
    if (e instanceof ConnectException || message.contains("Connection refused")) {
      return "connect";
    }
    if (e instanceof TimeoutException || message.contains("timed out")) {
      return "timeout";
    }
    if (e instanceof StreamResetException) {
      return "reset";
    }
    if (e instanceof HttpClosedException) {
      return "closed";
    }
    return e.getClass().getSimpleName();
  }
}
