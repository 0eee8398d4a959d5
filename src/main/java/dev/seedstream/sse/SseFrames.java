package dev.seedstream.sse;

import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.DatabindCodec;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * Encodes outgoing server-sent events so that no caller-supplied text can start a new field or event
 * (CWE-93, found in many SSE libraries in 2026): single-line values lose CR, LF and NUL, and data is
 * split into one {@code data:} line per line of text. Our data is normally one-line JSON; this is
 * defence in depth against anything upstream-controlled reaching a browser's stream.
 */
public final class SseFrames {

  private static final char REPLACEMENT = '\uFFFD';

  private SseFrames() {
  }

  /** {@code id}, optional {@code event} (omitted when null) and one {@code data:} line per line of {@code data}. */
  public static byte[] event(long id, String event, String data) {
    Objects.requireNonNull(data, "data");
    StringBuilder frame = new StringBuilder(data.length() + 64);
    frame.append("id: ").append(id).append('\n');
    if (event != null) {
      frame.append("event: ").append(singleLine(event)).append('\n');
    }
    appendDataLines(frame, data);
    frame.append('\n');
    return utf8(frame);
  }

  /**
   * The same frame for data already in UTF-8, such as JSON written by Jackson: when the bytes hold no CR,
   * LF or NUL (compact JSON never does: it escapes control characters) they are copied once, untouched,
   * which matters for multi-megabyte {@code b64_json} images; anything else takes the splitting path.
   */
  public static byte[] event(long id, String event, byte[] utf8Data) {
    for (byte b : utf8Data) {
      if (b == '\r' || b == '\n' || b == 0) {
        return event(id, event, new String(utf8Data, StandardCharsets.UTF_8));
      }
    }
    byte[] head = utf8(new StringBuilder("id: ").append(id).append('\n')
      .append(event == null ? "" : "event: " + singleLine(event) + "\n").append("data: "));
    byte[] frame = new byte[head.length + utf8Data.length + 2];
    System.arraycopy(head, 0, frame, 0, head.length);
    System.arraycopy(utf8Data, 0, frame, head.length, utf8Data.length);
    frame[frame.length - 2] = '\n';
    frame[frame.length - 1] = '\n';
    return frame;
  }

  /**
   * The frame {@link #event(long, String, byte[])} makes of {@code data}'s JSON, byte for byte, with the JSON
   * written by Jackson straight into the frame: this thread's scratch buffer and one copy out of it at the
   * frame's exact size. Encoding the object first and framing it after copied the JSON three more times, and
   * a fresh buffer per frame grew twice for an image event: a few hundred bytes a time per event on the relay's
   * thread, where every young collection it brings stops the relay.
   */
  public static byte[] event(long id, String event, JsonObject data) {
    FrameBuffer frame = FrameBuffer.SCRATCH.get();
    frame.reset();
    frame.ascii("id: ").decimal(id).ascii("\n");
    if (event != null) {
      frame.ascii("event: ").text(event).ascii("\n");
    }
    frame.ascii("data: ");
    int json = frame.size();
    try {
      DatabindCodec.mapper().writeValue(frame, data);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (frame.holdsLineBreakFrom(json)) {
      return event(id, event, data.encode());
    }
    return frame.ascii("\n\n").copy();
  }

  /** How many bytes this thread's scratch buffer holds on to between frames (for the tests). */
  static int scratchBytes() {
    return FrameBuffer.SCRATCH.get().bytes.length;
  }

  public static byte[] comment(String text) {
    return utf8(new StringBuilder(": ").append(singleLine(text)).append("\n\n"));
  }

  public static byte[] retry(long millis) {
    if (millis < 0) {
      throw new IllegalArgumentException("retry must not be negative: " + millis);
    }
    return utf8(new StringBuilder("retry: ").append(millis).append("\n\n"));
  }

  /** Splits on CRLF, CR and LF alike, because a receiving parser treats each of them as a line end. */
  private static void appendDataLines(StringBuilder frame, String data) {
    frame.append("data: ");
    for (int i = 0; i < data.length(); i++) {
      char c = data.charAt(i);
      if (c == '\r' || c == '\n') {
        if (c == '\r' && i + 1 < data.length() && data.charAt(i + 1) == '\n') {
          i++;
        }
        frame.append("\ndata: ");
      } else {
        frame.append(c == '\0' ? REPLACEMENT : c);
      }
    }
    frame.append('\n');
  }

  private static String singleLine(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c != '\r' && c != '\n' && c != '\0') {
        out.append(c);
      }
    }
    return out.toString();
  }

  private static byte[] utf8(CharSequence text) {
    return text.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * A growable byte buffer reused by one thread for one frame at a time. It keeps its array while that is
   * small; after a frame larger than {@link #KEPT} it lets the array go, so one big event leaves no big buffer.
   */
  private static final class FrameBuffer extends OutputStream {

    static final ThreadLocal<FrameBuffer> SCRATCH = ThreadLocal.withInitial(FrameBuffer::new);
    private static final int INITIAL = 1024;
    private static final int KEPT = 64 << 10;

    private byte[] bytes = new byte[INITIAL];
    private int size;

    void reset() {
      size = 0;
    }

    int size() {
      return size;
    }

    @Override
    public void write(int b) {
      room(1);
      bytes[size++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      Objects.checkFromIndexSize(off, len, b.length);
      room(len);
      System.arraycopy(b, off, bytes, size, len);
      size += len;
    }

    /** {@code text}, which the caller knows is ASCII. */
    FrameBuffer ascii(String text) {
      room(text.length());
      for (int i = 0; i < text.length(); i++) {
        bytes[size++] = (byte) text.charAt(i);
      }
      return this;
    }

    FrameBuffer decimal(long value) {
      if (value < 0) {
        return ascii(Long.toString(value));
      }
      int digits = 1;
      for (long rest = value / 10; rest > 0; rest /= 10) {
        digits++;
      }
      room(digits);
      for (int i = size + digits - 1; i >= size; i--) {
        bytes[i] = (byte) ('0' + value % 10);
        value /= 10;
      }
      size += digits;
      return this;
    }

    /** A single-line value: as it is when it is plain ASCII with no line break or NUL, else through {@link #singleLine}. */
    FrameBuffer text(String value) {
      for (int i = 0; i < value.length(); i++) {
        char c = value.charAt(i);
        if (c >= 0x80 || c == '\r' || c == '\n' || c == '\0') {
          byte[] utf8 = utf8(singleLine(value));
          write(utf8, 0, utf8.length);
          return this;
        }
      }
      return ascii(value);
    }

    boolean holdsLineBreakFrom(int from) {
      for (int i = from; i < size; i++) {
        if (bytes[i] == '\r' || bytes[i] == '\n' || bytes[i] == 0) {
          return true;
        }
      }
      return false;
    }

    byte[] copy() {
      byte[] frame = Arrays.copyOf(bytes, size);
      if (bytes.length > KEPT) {
        bytes = new byte[INITIAL];
      }
      return frame;
    }

    private void room(int more) {
      if (size + more > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(size + more, bytes.length * 2));
      }
    }
  }
}
