package dev.seedstream.simulator;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The two ways the upstream is reached. Ark checks a Bearer key and answers in its own envelope;
 * DMXAPI is a new-api relay: it takes the key with or without {@code Bearer}, wraps errors in the
 * new-api envelope and rewrites non-stream bodies (docs/upstream-protocol.md §1.2, §3.2 and §6.1).
 * Streams pass through the relay unchanged (variant A of its §5), so both dialects stream alike.
 */
enum UpstreamDialect {

  ARK {
    @Override
    void authorize(String authorization, String apiKey) {
      if (!("Bearer " + apiKey).equals(authorization)) {
        throw unauthorized();
      }
    }

    @Override
    UpstreamError unauthorized() {
      return UpstreamError.arkUnauthorized();
    }

    @Override
    String errorBody(UpstreamError error, String arkRequestId) {
      JsonObject body = new JsonObject()
        .put("code", error.code())
        .put("message", error.arkMessage(arkRequestId))
        .put("param", "")
        .put("type", error.type());
      return new JsonObject().put("error", body).encode();
    }

    @Override
    String imagesBody(SeedreamModel model, long created, JsonArray data, ImageUsage usage) {
      return new JsonObject()
        .put("model", model.id())
        .put("created", created)
        .put("data", data)
        .put("usage", usage.toJson())
        .encode();
    }
  },

  DMXAPI {
    @Override
    void authorize(String authorization, String apiKey) {
      String token = authorization == null ? "" : authorization;
      if (token.startsWith("Bearer ") || token.startsWith("bearer ")) {
        token = token.substring("Bearer ".length());
      }
      if (!token.equals(apiKey)) {
        throw unauthorized();
      }
    }

    @Override
    UpstreamError unauthorized() {
      return UpstreamError.relayUnauthorized();
    }

    @Override
    String errorBody(UpstreamError error, String arkRequestId) {
      String message = error.relayLocal() ? error.getMessage() : error.arkMessage(arkRequestId);
      JsonObject body = new JsonObject()
        .put("message", message + " (request id: " + RequestIds.relay() + ")")
        .put("type", "new_api_error")
        .put("param", "")
        .put("code", error.code());
      return new JsonObject().put("error", body).encode();
    }

    /** The relay re-serialises Ark's answer: no model, no sizes, its own usage, and {@code &} as {@code \u0026}. */
    @Override
    String imagesBody(SeedreamModel model, long created, JsonArray data, ImageUsage usage) {
      JsonArray images = new JsonArray();
      data.stream()
        .map(JsonObject.class::cast)
        .filter(slot -> !slot.containsKey("error"))
        .forEach(slot -> images.add(withoutSize(slot)));
      String body = new JsonObject()
        .put("data", images)
        .put("created", created)
        .put("usage", relayUsage(usage.tokens()))
        .encode();
      return body.replace("&", "\\u0026");
    }

    private JsonObject withoutSize(JsonObject slot) {
      JsonObject copy = slot.copy();
      copy.remove("size");
      return copy;
    }

    private JsonObject relayUsage(long tokens) {
      return new JsonObject()
        .put("prompt_tokens", 0)
        .put("completion_tokens", 0)
        .put("total_tokens", tokens)
        .put("prompt_tokens_details", new JsonObject().put("cached_tokens_details", new JsonObject()))
        .put("completion_tokens_details", new JsonObject())
        .put("output_tokens", tokens)
        .put("claude_cache_creation_5_m_tokens", 0)
        .put("claude_cache_creation_1_h_tokens", 0);
    }
  };

  /** Seconds Ark asks a rate-limited client to wait. */
  static final String RETRY_AFTER_SECONDS = "3";

  /** Answers a refused request: plain JSON even for {@code stream:true}, as the real service does. */
  void sendError(HttpServerResponse response, UpstreamError error, String arkRequestId) {
    if (error.status() == 429) {
      response.putHeader(HttpHeaders.RETRY_AFTER, RETRY_AFTER_SECONDS);
    }
    sendJson(response, error.status(), errorBody(error, arkRequestId));
  }

  void sendJson(HttpServerResponse response, int status, String body) {
    if (response.closed()) {
      return;
    }
    response.setStatusCode(status)
      .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
      .end(body);
  }

  /** Throws the dialect's 401 error unless the {@code Authorization} header carries the key. */
  abstract void authorize(String authorization, String apiKey);

  /** What this dialect answers a missing or wrong key with. */
  abstract UpstreamError unauthorized();

  /** The compact JSON error body; {@code arkRequestId} is the id Ark would have given the request. */
  abstract String errorBody(UpstreamError error, String arkRequestId);

  /** The compact JSON body of a non-stream answer; {@code data} holds Ark's slots in image order. */
  abstract String imagesBody(SeedreamModel model, long created, JsonArray data, ImageUsage usage);
}
