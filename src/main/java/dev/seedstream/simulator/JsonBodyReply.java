package dev.seedstream.simulator;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Answers {@code stream:false}: every slot in one compact JSON body once all images are made. */
final class JsonBodyReply implements GenerationReply {

  private final HttpServerResponse response;
  private final UpstreamDialect dialect;
  private final SeedreamModel model;
  private final String requestId;
  private final JsonArray data = new JsonArray();

  JsonBodyReply(HttpServerResponse response, UpstreamDialect dialect, SeedreamModel model, String requestId) {
    this.response = response;
    this.dialect = dialect;
    this.model = model;
    this.requestId = requestId;
  }

  @Override
  public void succeeded(FinishedImage image) {
    data.add(new JsonObject().put(image.field(), image.value()).put("size", image.size().label()));
  }

  @Override
  public void failed(int index, String message) {
    JsonObject error = new JsonObject()
      .put("code", UpstreamError.SENSITIVE_OUTPUT)
      .put("message", message);
    data.add(new JsonObject().put("error", error));
  }

  @Override
  public void completed(ImageUsage usage) {
    String body = dialect.imagesBody(model, System.currentTimeMillis() / 1000, data, usage);
    dialect.sendJson(response, 200, body);
  }

  /** Without a stream there is nowhere to put a late failure but the status line. */
  @Override
  public void aborted(UpstreamError error) {
    dialect.sendError(response, error, requestId);
  }
}
