package dev.seedstream.upstream;

import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * The one seam of the gateway: something that runs a Seedream generation and reports each result as it
 * finishes. The real implementation speaks HTTP ({@link HttpUpstreamClient}); tests may script it.
 */
public interface UpstreamClient {

  /**
   * Starts a generation. {@code events} receives images as they finish and exactly one terminal call
   * ({@code onCompleted} or {@code onFailure}) unless the returned call is cancelled first.
   */
  UpstreamCall start(JsonObject requestBody, UpstreamEvents events);

  /**
   * Relays one drop-in generation to {@code client} in the upstream's own framing; {@code body} goes upstream as
   * it is. The future completes when the exchange is over, however it ended.
   */
  Future<Void> relay(JsonObject body, boolean stream, HttpServerResponse client);
}
