package dev.seedstream.store;

import io.vertx.core.json.JsonObject;

/**
 * What the history keeps about a job when it starts: enough to show it again and to re-run it, and whose it
 * is ({@code owner}: the creating token's name, or the client's address when no tokens are configured).
 */
record JobRecord(String id, String owner, String prompt, String model, JsonObject params, int requestedImages,
                 long createdMs) {
}
