package dev.seedstream.store;

import io.vertx.core.json.JsonObject;

/**
 * What the history keeps about a job when it starts: enough to show it again and to re-run it, whose it
 * is ({@code owner}: the creating token's name, or the client's address when no tokens are configured), and
 * its worst case ({@code reserved}), which counts against the owner's budget until the job settles it.
 */
record JobRecord(String id, String owner, String prompt, String model, JsonObject params, int requestedImages,
                 long createdMs, Spend reserved) {

  JobRecord(String id, String owner, String prompt, String model, JsonObject params, int requestedImages, long createdMs) {
    this(id, owner, prompt, model, params, requestedImages, createdMs, new Spend(null, null, requestedImages));
  }
}
