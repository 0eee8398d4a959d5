package dev.seedstream.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.util.internal.PlatformDependent;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Takes the upstream key out of a drop-in success body (an event stream or a JSON answer) on its way to
 * the client, without holding the body. It works line by line, and a line the key was not found in goes
 * out byte for byte, so strict SDKs see the upstream's own framing.
 * <ul>
 *   <li>A line of up to {@value #MAX_TEXT_LINE} bytes is read whole. When it is JSON (after {@code data:} in
 *   a stream), its strings are checked after JSON decoding, so an escaped key is found too; an error object
 *   ({@code {"error":…}} with no {@code type}) is always re-written in the upstream's envelope with its text
 *   sanitised, as the job API does. Any other line is checked as text.</li>
 *   <li>A longer line carries an image. It goes out as it arrives, checked as text, except the contents of
 *   its {@code "b64_json":"…"} string: base64 is image data, not text, and skipping it keeps a multi-megabyte
 *   frame to one cheap pass. At most a few bytes of it are held back at any time.</li>
 * </ul>
 * What one upstream chunk yields goes to the client as one write (an image's base64 apart, passed on as
 * slices of the chunk): a small event is three or four lines, and writing each line on its own cost a
 * system call and an HTTP chunk per line, which made this pass-through dearer per event than the job API.
 * A line with no backslash, no {@code "error"} and no run of the key is passed on without decoding it.
 */
final class RelayedBodyFilter {

  /** Event lines without an image are a few hundred bytes; an image's line is far longer than this. */
  static final int MAX_TEXT_LINE = 64 * 1024;
  private static final byte[] B64_FIELD = "\"b64_json\":\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ERROR_MEMBER = "\"error\"".getBytes(StandardCharsets.US_ASCII);
  private static final boolean[] BASE64 = new boolean[256];

  static {
    for (byte b : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=".getBytes(StandardCharsets.US_ASCII)) {
      BASE64[b] = true;
    }
  }

  private final UpstreamErrors errors;
  private final Consumer<Buffer> out;
  /** Gets the slices of a chunk (an image's base64), valid while {@link #accept} runs unless it keeps them. */
  private final Consumer<Buffer> slices;
  private Buffer text = Buffer.buffer();
  private final KeyRedactor.Scan scan;
  private Buffer line = Buffer.buffer();
  /** What this chunk yields so far, written at its end (or before a slice of base64). */
  private Buffer batch = Buffer.buffer();
  private boolean longLine;
  private boolean inBase64;
  private int fieldMatched;

  RelayedBodyFilter(UpstreamErrors errors, Consumer<Buffer> out) {
    this(errors, out, out);
  }

  RelayedBodyFilter(UpstreamErrors errors, Consumer<Buffer> out, Consumer<Buffer> slices) {
    this.errors = errors;
    this.out = out;
    this.slices = slices;
    // Reads the field at each call: flushing hands the buffer on and starts a new one.
    this.scan = errors.key().scan(c -> text.appendByte((byte) c));
  }

  void accept(Buffer chunk) {
    int i = 0;
    while (i < chunk.length()) {
      if (longLine) {
        i = streamLongLine(chunk, i);
        continue;
      }
      int newline = indexOfNewline(chunk, i);
      int end = newline < 0 ? chunk.length() : newline;
      if (line.length() + end - i > MAX_TEXT_LINE) {
        longLine = true;
        Buffer held = line;
        line = Buffer.buffer();
        streamLongLine(held, 0);
        continue;
      }
      line.appendBuffer(chunk, i, end - i);
      if (newline < 0) {
        break;
      }
      emitLine(true);
      i = newline + 1;
    }
    flushText();
    flushBatch();
  }

  /** The body has ended; a last line without its line feed goes out as it came. */
  void end() {
    if (longLine) {
      scan.finish();
      flushText();
    } else if (line.length() > 0) {
      emitLine(false);
    }
    flushBatch();
  }

  /** Netty's search, eight bytes at a time. */
  private static int indexOfNewline(Buffer chunk, int from) {
    ByteBuf bytes = ((BufferInternal) chunk).getByteBuf();
    int found = bytes.indexOf(bytes.readerIndex() + from, bytes.readerIndex() + chunk.length(), (byte) '\n');
    return found < 0 ? -1 : found - bytes.readerIndex();
  }

  private void emitLine(boolean withNewline) {
    Buffer raw = line;
    line = Buffer.buffer();
    boolean cr = raw.length() > 0 && raw.getByte(raw.length() - 1) == '\r';
    Buffer content = cr ? raw.slice(0, raw.length() - 1) : raw;
    Buffer clean = clean(content);
    if (clean == null) {
      batch.appendBuffer(raw);
      if (withNewline) {
        batch.appendByte((byte) '\n');
      }
    } else {
      batch.appendBuffer(clean.appendString(cr ? "\r" : "").appendString(withNewline ? "\n" : ""));
    }
  }

  /** The line with the key taken out, or null when there was nothing to take out. */
  private Buffer clean(Buffer content) {
    if (plain(content)) {
      return null;
    }
    int start = content.length() >= 5 && content.getString(0, 5, "US-ASCII").equals("data:") ? 5 : 0;
    if (start == 5 && content.length() > 5 && content.getByte(5) == ' ') {
      start = 6;
    }
    JsonObject json = jsonObject(content.slice(start, content.length()));
    if (json == null) {
      String raw = content.toString(StandardCharsets.ISO_8859_1);
      String redacted = errors.key().redact(raw);
      return redacted.equals(raw) ? null : Buffer.buffer(redacted.getBytes(StandardCharsets.ISO_8859_1));
    }
    Buffer prefix = content.getBuffer(0, start);
    if (json.getValue("error") != null && json.getValue("type") == null) {
      return prefix.appendBuffer(errors.sanitisedEnvelope(json.getValue("error")).toBuffer());
    }
    Object clean = errors.key().redactJson(json);
    return clean.equals(json) ? null : prefix.appendBuffer(((JsonObject) clean).toBuffer());
  }

  /**
   * Whether nothing in the line could change: no run of the key in its bytes, and no backslash, so JSON
   * decoding would not reveal one either (an escaped key is only found decoded); and no {@code "error"},
   * the one member whose object is rewritten in the upstream's envelope.
   */
  private boolean plain(Buffer content) {
    ByteBuf bytes = ((BufferInternal) content).getByteBuf();
    if (bytes.indexOf(bytes.readerIndex(), bytes.readerIndex() + content.length(), (byte) '\\') >= 0) {
      return false;
    }
    if (indexOf(content, ERROR_MEMBER) >= 0) {
      return false;
    }
    return !errors.key().foundIn(content, 0, content.length());
  }

  private static int indexOf(Buffer content, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= content.length(); i++) {
      for (int j = 0; j < needle.length; j++) {
        if (content.getByte(i + j) != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  private static JsonObject jsonObject(Buffer payload) {
    int i = 0;
    while (i < payload.length() && (payload.getByte(i) == ' ' || payload.getByte(i) == '\t')) {
      i++;
    }
    if (i == payload.length() || payload.getByte(i) != '{') {
      return null;
    }
    try {
      return new JsonObject(payload);
    } catch (RuntimeException e) {
      return null;
    }
  }

  /**
   * An image's line, from {@code from} up to and including its line feed (then the line is over) or to the
   * end of {@code chunk}. Returns where it stopped.
   */
  private int streamLongLine(Buffer chunk, int from) {
    int i = from;
    while (i < chunk.length()) {
      if (inBase64) {
        i = passBase64(chunk, i);
        continue;
      }
      byte b = chunk.getByte(i++);
      scan.accept((char) (b & 0xff));
      if (b == '\n') {
        flushText();
        longLine = false;
        fieldMatched = 0;
        return i;
      }
      if (opensBase64(b)) {
        scan.finish();
        inBase64 = true;
      }
    }
    flushText();
    return i;
  }

  /** Base64 goes out untouched, as a slice of the chunk it came in; the first other byte is text again. */
  private int passBase64(Buffer chunk, int from) {
    int end = endOfBase64(chunk, from);
    if (end > from) {
      flushText();
      flushBatch();
      slices.accept(chunk.slice(from, end));
    }
    inBase64 = end == chunk.length();
    return end;
  }

  /**
   * A table lookup per byte over the chunk's own array, a loop the JIT unrolls: the image is most of the body.
   * Netty's {@code forEachByte} was used here, but its loop is shared with Netty's own decoders, so its call to
   * the predicate is megamorphic, made once per byte and not inlined (an eighth of the relay thread's samples
   * in a flight recording of the 8 MiB benchmark). A chunk read straight from the network ({@link BodyTap}) is
   * direct memory, read in place the same way; any other kind is copied once.
   */
  static int endOfBase64(Buffer chunk, int from) {
    ByteBuf bytes = ((BufferInternal) chunk).getByteBuf();
    if (bytes.hasArray()) {
      int base = bytes.arrayOffset() + bytes.readerIndex();
      return endOfBase64(bytes.array(), base + from, base + chunk.length()) - base;
    }
    if (bytes.hasMemoryAddress()) {
      long base = bytes.memoryAddress() + bytes.readerIndex();
      int i = from;
      while (i < chunk.length() && BASE64[PlatformDependent.getByte(base + i) & 0xff]) {
        i++;
      }
      return i;
    }
    return from + endOfBase64(chunk.getBytes(from, chunk.length()), 0, chunk.length() - from);
  }

  private static int endOfBase64(byte[] b, int from, int to) {
    int i = from;
    while (i < to && BASE64[b[i] & 0xff]) {
      i++;
    }
    return i;
  }

  /** Whether {@code b} completes {@code "b64_json":"}, the opening of the image's string. */
  private boolean opensBase64(byte b) {
    if (b == B64_FIELD[fieldMatched]) {
      fieldMatched++;
    } else {
      fieldMatched = b == '"' ? 1 : 0;
    }
    if (fieldMatched == B64_FIELD.length) {
      fieldMatched = 0;
      return true;
    }
    return false;
  }

  private void flushText() {
    if (text.length() > 0) {
      batch.appendBuffer(text);
      text = Buffer.buffer();
    }
  }

  private void flushBatch() {
    if (batch.length() > 0) {
      out.accept(batch);
      batch = Buffer.buffer();
    }
  }
}
