package dev.seedstream.store;

import io.vertx.core.json.JsonObject;

/** What the history keeps about a job when it starts: enough to show it again and to re-run it. */
record JobRecord(String id, String prompt, String model, JsonObject params, int requestedImages, long createdMs) {
}
