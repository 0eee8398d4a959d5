package dev.seedstream.bench;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

/**
 * One stream of the fake upstream: image events on a fixed schedule (start + phase + k × interval, so a slow
 * tick never shifts the later ones), then completed and [DONE], or a hold until released.
 */
final class UpstreamStream {

  private static final String IMAGE = "image_generation.partial_succeeded";
  private static final String COMPLETED = "image_generation.completed";

  private final Vertx vertx;
  private final Context context;
  private final HttpServerResponse response;
  private final String model;
  private final StreamProfile profile;
  private final Buffer payload;
  private final FakeUpstream upstream;
  private final long startNanos = System.nanoTime();
  private final Runnable release = this::releasedFromHold;
  private long timer = -1;
  private int sent;
  private boolean closed;

  UpstreamStream(Vertx vertx, HttpServerResponse response, String model, StreamProfile profile, Buffer payload,
                 FakeUpstream upstream) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.response = response;
    this.model = model;
    this.profile = profile;
    this.payload = payload;
    this.upstream = upstream;
  }

  void start() {
    response.closeHandler(v -> onClosed());
    scheduleNext();
  }

  private void scheduleNext() {
    if (sent >= profile.events()) {
      if (profile.hold()) {
        upstream.hold(release);
      } else {
        finish();
      }
      return;
    }
    long dueNanos = startNanos + (profile.phaseMs() + sent * profile.intervalMs()) * 1_000_000L;
    long delayMs = Math.max(1, (dueNanos - System.nanoTime()) / 1_000_000L);
    timer = vertx.setTimer(delayMs, id -> {
      timer = -1;
      if (!closed) {
        sendImage(sent++);
        scheduleNext();
      }
    });
  }

  private void sendImage(int index) {
    long stamp = System.nanoTime();
    String head = "event: " + IMAGE + "\ndata: {\"type\":\"" + IMAGE + "\",\"model\":\"" + model + "\",\"created\":"
      + (System.currentTimeMillis() / 1000) + ",\"image_index\":" + index + ",\"url\":\"" + upstream.imageOrigin() + "/bench/"
      + index + ".jpeg?t=" + stamp + "\",\"size\":\"2048x2048\"";
    if (payload == null) {
      response.write(head + "}\n\n");
      return;
    }
    response.write(head + ",\"b64_json\":\"");
    response.write(payload);
    response.write("\"}\n\n");
  }

  private void releasedFromHold() {
    context.runOnContext(v -> finish());
  }

  private void finish() {
    if (closed) {
      return;
    }
    response.write("event: " + COMPLETED + "\ndata: {\"type\":\"" + COMPLETED + "\",\"model\":\"" + model
      + "\",\"created\":" + (System.currentTimeMillis() / 1000) + ",\"usage\":{\"generated_images\":" + sent
      + ",\"output_tokens\":" + (sent * 16384) + ",\"total_tokens\":" + (sent * 16384) + "}}\n\ndata: [DONE]\n\n");
    response.end();
    onClosed();
  }

  private void onClosed() {
    if (closed) {
      return;
    }
    closed = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    upstream.unhold(release);
    upstream.ended();
  }
}
