package dev.seedstream.job;

import dev.seedstream.sse.SseFrames;
import dev.seedstream.upstream.InlineImage;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;

/**
 * One entry of a job's event log. The SSE frame is encoded once, when the event happens, and every
 * listener writes that same buffer: a slow or replaying client never makes the gateway copy the log.
 */
record JobEvent(long id, String type, Buffer frame) {

  private static final byte[] INLINE_FIELD = ",\"b64_json\":\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] INLINE_END = "\"}\n\n".getBytes(StandardCharsets.US_ASCII);

  static JobEvent of(long id, String type, JsonObject data) {
    // Jackson writes UTF-8 bytes directly: no intermediate String of a multi-megabyte image.
    return new JobEvent(id, type, Buffer.buffer(SseFrames.event(id, type, data.toBuffer().getBytes())));
  }

  /**
   * The frame of {@code data} plus a last field, {@code b64_json}, whose text is not copied: the frame is
   * a composite of the encoded head and a view of the upstream's own bytes. That is the same frame
   * {@link #of} would write, byte for byte: an {@link InlineImage} is plain base64, which JSON never
   * escapes and which holds no CR, LF or NUL, so it cannot break out of the string or the data line.
   */
  static JobEvent withInlineImage(long id, String type, JsonObject data, InlineImage image) {
    byte[] head = SseFrames.event(id, type, data.toBuffer().getBytes());
    // head ends with "}\n\n": the field goes before the closing brace.
    int open = head.length - 3;
    boolean empty = head[open - 1] == '{';
    var frame = Unpooled.wrappedBuffer(
      Unpooled.wrappedBuffer(head, 0, open),
      Unpooled.wrappedBuffer(INLINE_FIELD, empty ? 1 : 0, INLINE_FIELD.length - (empty ? 1 : 0)),
      ((BufferInternal) image.base64()).getByteBuf(),
      Unpooled.wrappedBuffer(INLINE_END));
    return new JobEvent(id, type, BufferInternal.buffer(frame));
  }

  boolean terminal() {
    return type.equals("completed") || type.equals("error") || type.equals("cancelled");
  }
}
