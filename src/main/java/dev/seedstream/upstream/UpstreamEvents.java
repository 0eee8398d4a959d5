package dev.seedstream.upstream;

import io.vertx.core.json.JsonObject;

/** What a generation reports, in upstream order. */
public interface UpstreamEvents {

  /**
   * The call goes to the upstream of the pool named {@code name} (never its key): once as it starts, and again
   * whenever it moves to another upstream before anything could have been billed.
   */
  default void onUpstream(String name) {
  }

  void onImage(GeneratedImage image);

  void onImageFailed(int index, String code, String message);

  /** Terminal: the upstream finished; {@code usage} is its usage object, possibly empty. */
  void onCompleted(JsonObject usage);

  /** Terminal: the generation failed. */
  void onFailure(UpstreamFailure failure);
}
