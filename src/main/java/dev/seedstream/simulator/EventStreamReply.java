package dev.seedstream.simulator;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * Streams a generation as Ark does. The response head goes out with the first frame, so the client
 * waits for headers until the first image is ready, just as it does against the real service.
 */
final class EventStreamReply implements GenerationReply {

  private static final String SUCCEEDED = "image_generation.partial_succeeded";
  private static final String FAILED = "image_generation.partial_failed";
  private static final String COMPLETED = "image_generation.completed";

  private final HttpServerResponse response;
  private final SeedreamModel model;
  private final String requestId;
  private final WireFrames frames;
  private long lastCreated = -1;

  EventStreamReply(HttpServerResponse response, SeedreamModel model, String requestId, boolean crlf) {
    this.response = response;
    this.model = model;
    this.requestId = requestId;
    this.frames = new WireFrames(crlf);
  }

  @Override
  public void succeeded(FinishedImage image) {
    JsonObject event = event(SUCCEEDED)
      .put("image_index", image.index())
      .put(image.field(), image.value())
      .put("size", image.size().label());
    write(frames.event(SUCCEEDED, event.encode()));
  }

  @Override
  public void failed(int index, String message) {
    JsonObject error = new JsonObject()
      .put("code", UpstreamError.SENSITIVE_OUTPUT)
      .put("message", message);
    write(frames.event(FAILED, event(FAILED).put("image_index", index).put("error", error).encode()));
  }

  /** Ark stamps the summary with the last image's time, then ends the stream with {@code [DONE]}. */
  @Override
  public void completed(ImageUsage usage) {
    long created = lastCreated < 0 ? nowSeconds() : lastCreated;
    JsonObject event = new JsonObject()
      .put("type", COMPLETED)
      .put("model", model.id())
      .put("created", created)
      .put("usage", usage.toJson());
    write(frames.event(COMPLETED, event.encode()) + frames.data("[DONE]"));
    end();
  }

  @Override
  public void aborted(UpstreamError error) {
    JsonObject body = new JsonObject().put("code", error.code()).put("message", error.arkMessage(requestId));
    write(frames.data(new JsonObject().put("error", body).encode()));
    end();
  }

  private JsonObject event(String type) {
    lastCreated = nowSeconds();
    return new JsonObject().put("type", type).put("model", model.id()).put("created", lastCreated);
  }

  private void write(String frame) {
    if (response.closed()) {
      // The client is gone; its close handler is about to cancel the generation.
      return;
    }
    if (!response.headWritten()) {
      response.setStatusCode(200)
        .setChunked(true)
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache");
    }
    response.write(frame);
  }

  private void end() {
    if (!response.closed()) {
      response.end();
    }
  }

  private static long nowSeconds() {
    return System.currentTimeMillis() / 1000;
  }
}
