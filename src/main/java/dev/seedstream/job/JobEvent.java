package dev.seedstream.job;

import dev.seedstream.sse.SseFrames;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;

/**
 * One entry of a job's event log. The SSE frame is encoded once, when the event happens, and every
 * listener writes that same buffer: a slow or replaying client never makes the gateway copy the log.
 */
record JobEvent(long id, String type, Buffer frame) {

  static JobEvent of(long id, String type, JsonObject data) {
    // Jackson writes UTF-8 bytes directly: no intermediate String of a multi-megabyte image.
    return new JobEvent(id, type, Buffer.buffer(SseFrames.event(id, type, data.toBuffer().getBytes())));
  }

  private static final byte[] B64_FIELD = ",\"b64_json\":\"".getBytes(StandardCharsets.US_ASCII);

  /**
   * An {@code image} event carrying {@code b64_json}: the image's metadata encoded by Jackson, then the
   * base64 text appended as it is. Base64 needs no JSON escaping, so a multi-megabyte image skips the
   * generator's per-character escape pass and its buffers; anything that would need escaping (the upstream
   * mapper lets only the base64 alphabet through, so this is defence in depth) goes through Jackson.
   */
  static JobEvent withInlineImage(long id, JsonObject meta, String b64) {
    byte[] base64 = b64.getBytes(StandardCharsets.ISO_8859_1);
    if (!isBase64Text(base64)) {
      return of(id, "image", meta.copy().put("b64_json", b64));
    }
    byte[] head = meta.toBuffer().getBytes();
    byte[] json = new byte[head.length - 1 + B64_FIELD.length + base64.length + 2];
    System.arraycopy(head, 0, json, 0, head.length - 1);
    System.arraycopy(B64_FIELD, 0, json, head.length - 1, B64_FIELD.length);
    System.arraycopy(base64, 0, json, head.length - 1 + B64_FIELD.length, base64.length);
    json[json.length - 2] = '"';
    json[json.length - 1] = '}';
    return new JobEvent(id, "image", Buffer.buffer(SseFrames.event(id, "image", json)));
  }

  /**
   * Only the base64 alphabet and '=': JSON carries these unescaped, and a character outside Latin-1 (which
   * getBytes turned into '?') is refused rather than silently changed.
   */
  private static boolean isBase64Text(byte[] bytes) {
    int bad = 0;
    for (byte b : bytes) {
      bad |= BASE64_TEXT[b & 0xff];
    }
    return bad == 0;
  }

  private static final byte[] BASE64_TEXT = base64Text();

  private static byte[] base64Text() {
    byte[] table = new byte[256];
    java.util.Arrays.fill(table, (byte) 1);
    for (char c : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=".toCharArray()) {
      table[c] = 0;
    }
    return table;
  }

  boolean terminal() {
    return type.equals("completed") || type.equals("error") || type.equals("cancelled");
  }
}
