package dev.seedstream.store;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * The settings a job ran with, as the history keeps them for "re-run": the request the upstream got, minus
 * {@code stream}, minus the prompt (the job's row has it; the history puts it back when it shows the job)
 * and minus inline reference images. Those can be megabytes each and are the user's own files; URL
 * references are kept, and {@code omitted_reference_images} counts what was left out.
 */
final class RerunParams {

  private RerunParams() {
  }

  static JsonObject of(JsonObject upstreamBody) {
    JsonObject params = upstreamBody.copy();
    params.remove("stream");
    params.remove("prompt");
    Object image = params.remove("image");
    JsonArray entries = image instanceof JsonArray list ? list : image instanceof String one ? new JsonArray().add(one) : new JsonArray();
    JsonArray kept = new JsonArray();
    for (Object entry : entries) {
      if (entry instanceof String text && !text.regionMatches(true, 0, "data:", 0, 5)) {
        kept.add(text);
      }
    }
    if (!kept.isEmpty()) {
      params.put("image", kept);
    }
    if (kept.size() < entries.size()) {
      params.put("omitted_reference_images", entries.size() - kept.size());
    }
    return params;
  }
}
