package dev.seedstream.support;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/** One request the fake upstream received, and the pen that writes its answer. */
public final class FakeExchange {

  private final HttpServerRequest request;
  private final Buffer body;
  private final Promise<Long> closed = Promise.promise();
  private String lineEnd = "\n";

  FakeExchange(HttpServerRequest request, Buffer body) {
    this.request = request;
    this.body = body;
    request.connection().closeHandler(v -> closed.tryComplete(System.nanoTime()));
  }

  public JsonObject body() {
    return body.toJsonObject();
  }

  public MultiMap headers() {
    return request.headers();
  }

  public HttpServerResponse response() {
    return request.response();
  }

  /** Completes with System.nanoTime() when the gateway closes (or resets) this connection. */
  public Future<Long> closed() {
    return closed.future();
  }

  public FakeExchange crlf() {
    lineEnd = "\r\n";
    return this;
  }

  /** The response head of a stream: 200, text/event-stream, chunked. */
  public FakeExchange streamHead() {
    request.response().setStatusCode(200).setChunked(true).putHeader("Content-Type", "text/event-stream");
    return this;
  }

  public FakeExchange event(String type, JsonObject data) {
    return write("event: " + type + lineEnd + "data: " + data.put("type", type).encode() + lineEnd + lineEnd);
  }

  public FakeExchange image(int index, String url) {
    return event("image_generation.partial_succeeded", new JsonObject()
      .put("model", "doubao-seedream-4-5-251128").put("created", 1757396757).put("image_index", index)
      .put("url", url).put("size", "2048x2048"));
  }

  public FakeExchange imageFailed(int index, String code, String message) {
    return event("image_generation.partial_failed", new JsonObject()
      .put("model", "doubao-seedream-4-5-251128").put("created", 1757396757).put("image_index", index)
      .put("error", new JsonObject().put("code", code).put("message", message)));
  }

  public FakeExchange completed(int images) {
    long tokens = images * 16384L;
    return event("image_generation.completed", new JsonObject().put("model", "doubao-seedream-4-5-251128")
      .put("created", 1757396799).put("usage", new JsonObject().put("generated_images", images)
        .put("output_tokens", tokens).put("total_tokens", tokens)));
  }

  public FakeExchange done() {
    return write("data: [DONE]" + lineEnd + lineEnd);
  }

  public FakeExchange write(String raw) {
    return write(Buffer.buffer(raw));
  }

  public FakeExchange write(Buffer raw) {
    if (!request.response().ended() && !request.response().closed()) {
      request.response().write(raw);
    }
    return this;
  }

  public void end() {
    if (!request.response().ended() && !request.response().closed()) {
      request.response().end();
    }
  }

  /** An error answer before any stream, as the upstream sends for validation, auth and rate limits. */
  public void error(int status, String json, String retryAfter) {
    HttpServerResponse response = request.response().setStatusCode(status).putHeader("Content-Type", "application/json");
    if (retryAfter != null) {
      response.putHeader("Retry-After", retryAfter);
    }
    response.end(json);
  }

  /** Drops the connection without a proper end, as a crashing upstream or a cut network would. */
  public void reset() {
    request.connection().close();
  }
}
