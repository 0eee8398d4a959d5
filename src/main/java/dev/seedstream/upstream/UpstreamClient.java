package dev.seedstream.upstream;

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
}
