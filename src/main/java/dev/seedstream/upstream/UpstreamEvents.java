package dev.seedstream.upstream;

import io.vertx.core.json.JsonObject;

/** What a generation reports, in upstream order. */
public interface UpstreamEvents {

  void onImage(GeneratedImage image);

  void onImageFailed(int index, String code, String message);

  /** Terminal: the upstream finished; {@code usage} is its usage object, possibly empty. */
  void onCompleted(JsonObject usage);

  /** Terminal: the generation failed. */
  void onFailure(UpstreamFailure failure);
}
