package dev.seedstream.job;

import dev.seedstream.sse.SseFrames;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * One entry of a job's event log. The SSE frame is encoded once, when the event happens, and every
 * listener writes that same buffer: a slow or replaying client never makes the gateway copy the log.
 */
record JobEvent(long id, String type, Buffer frame) {

  static JobEvent of(long id, String type, JsonObject data) {
    // Jackson writes UTF-8 bytes directly: no intermediate String of a multi-megabyte image.
    return new JobEvent(id, type, Buffer.buffer(SseFrames.event(id, type, data.toBuffer().getBytes())));
  }

  boolean terminal() {
    return type.equals("completed") || type.equals("error") || type.equals("cancelled");
  }
}
