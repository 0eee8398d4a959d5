package dev.seedstream.job;

import dev.seedstream.sse.EventSink;
import dev.seedstream.sse.SseFrames;
import dev.seedstream.upstream.InlineImage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One entry of a job's event log: its SSE frame, encoded once, when the event happens. Every listener
 * writes from that same frame, so a slow or replaying client never makes the gateway re-encode the log.
 *
 * <p>An image frame does not hold its {@code b64_json} text: it points at the upstream event's own
 * bytes ({@link InlineImage}), which may be off-heap and are given back by {@link #release()} when the
 * job is dropped. So its slices are copies, made while the job is certainly alive: a buffer handed to
 * Vert.x may sit in a write queue after the write call returns. Listeners writing the same slice at the
 * same time share one copy ({@link SharedSlices}): a stalled client costs references, not bytes.
 */
final class JobEvent {

  /** Large frames go out in slices of this size, so that backpressure has grain. */
  static final int SLICE = 64 * 1024;

  private static final byte[] INLINE_FIELD = ",\"b64_json\":\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] INLINE_END = "\"}\n\n".getBytes(StandardCharsets.US_ASCII);

  private final String type;
  /**
   * The whole frame, or for an image the part before its base64 text. A bare array, not a Buffer: a job
   * holds one per event for as long as it lives, and each wrapper object would be copied by every young
   * collection that promotes the log.
   */
  private final byte[] head;
  private final InlineImage image;
  private final int length;
  private final SharedSlices inFlight;

  private JobEvent(String type, byte[] head, InlineImage image) {
    this.type = type;
    this.head = head;
    this.image = image;
    this.length = head.length + (image == null ? 0 : image.length() + INLINE_END.length);
    this.inFlight = image == null ? null : new SharedSlices(slices());
  }

  static JobEvent of(long id, String type, JsonObject data) {
    return new JobEvent(type, SseFrames.event(id, type, data), null);
  }

  /**
   * The frame of {@code data} plus a last field, {@code b64_json}, taken from {@code image} when the frame
   * is written. It is the same frame {@link #of} would write, byte for byte: an {@link InlineImage} is plain
   * base64, which JSON never escapes and which holds no CR, LF or NUL, so it cannot break out of the
   * string or the data line. The event owns {@code image} from here on.
   */
  static JobEvent withInlineImage(long id, String type, JsonObject data, InlineImage image) {
    byte[] frame = SseFrames.event(id, type, data);
    // The frame ends with "}\n\n": the field goes before the closing brace.
    int open = frame.length - 3;
    boolean empty = frame[open - 1] == '{';
    int field = INLINE_FIELD.length - (empty ? 1 : 0);
    byte[] head = Arrays.copyOf(frame, open + field);
    System.arraycopy(INLINE_FIELD, empty ? 1 : 0, head, open, field);
    return new JobEvent(type, head, image);
  }

  /**
   * An event as a cluster member kept it ({@code head} and the image's base64 text, see {@link #head()}): the
   * same frame, byte for byte, as the one its owner wrote.
   */
  static JobEvent replayed(String type, byte[] head, byte[] image) {
    if (image == null) {
      return new JobEvent(type, head, null);
    }
    return new JobEvent(type, head, InlineImage.kept(image));
  }

  String type() {
    return type;
  }

  /** The whole frame, or for an image the part before its base64 text; the array is not to be changed. */
  byte[] head() {
    return head;
  }

  /** The image's base64 text, or null. */
  InlineImage image() {
    return image;
  }

  int length() {
    return length;
  }

  int slices() {
    return (int) (((long) length + SLICE - 1) / SLICE);
  }

  /** Writes slice {@code n} of the frame; an image's slice is shared with anyone writing it meanwhile. */
  void writeSlice(int n, EventSink out) {
    if (image == null) {
      out.write(slice(n * SLICE, sliceEnd(n)));
    } else {
      inFlight.write(n, sliceEnd(n) - n * SLICE, (target, k) -> copyTo(k * SLICE, sliceEnd(k), target), out);
    }
  }

  private int sliceEnd(int n) {
    return n * SLICE + Math.min(SLICE, length - n * SLICE);
  }

  /**
   * Bytes {@code from} .. {@code to} of the frame. A text frame's bytes never change, so that is a view; an
   * image frame's is a copy, never a view of the event's bytes.
   */
  Buffer slice(int from, int to) {
    if (image == null) {
      return BufferInternal.buffer(Unpooled.wrappedBuffer(head, from, to - from));
    }
    ByteBuf copy = Unpooled.buffer(to - from, to - from);
    copyTo(from, to, copy);
    return BufferInternal.buffer(copy);
  }

  /** Appends bytes {@code from} .. {@code to} of an image frame to {@code target}, with no array between. */
  private void copyTo(int from, int to, ByteBuf target) {
    int at = from;
    int headEnd = head.length;
    int imageEnd = headEnd + image.length();
    if (at < headEnd) {
      int n = Math.min(to, headEnd) - at;
      target.writeBytes(head, at, n);
      at += n;
    }
    if (at < to && at < imageEnd) {
      int n = Math.min(to, imageEnd) - at;
      image.copyTo(at - headEnd, target, n);
      at += n;
    }
    if (at < to) {
      target.writeBytes(INLINE_END, at - imageEnd, to - at);
    }
  }

  boolean isImage() {
    return type.equals("image");
  }

  /**
   * The event's data read back from its frame, without an image's {@code b64_json}: what a job's JSON lists
   * per image. Parsed again each time; a job's JSON is asked for rarely, its events are kept all its life.
   */
  JsonObject dataWithoutImage() {
    byte[] frame = head;
    if (image != null) {
      // Undo withInlineImage: drop the field's opening (with its comma, unless it was the only field) and
      // close the object as the frame did.
      boolean only = head[head.length - INLINE_FIELD.length] != ',';
      int kept = head.length - INLINE_FIELD.length + (only ? 1 : 0);
      frame = Arrays.copyOf(head, kept + 3);
      frame[kept] = '}';
      frame[kept + 1] = '\n';
      frame[kept + 2] = '\n';
    }
    return new JsonObject(dataOf(new String(frame, StandardCharsets.UTF_8)));
  }

  /** The data of one frame as SseFrames wrote it: its {@code data:} lines, joined by LF. */
  private static String dataOf(String frame) {
    StringBuilder data = new StringBuilder(frame.length());
    boolean first = true;
    for (String line : frame.split("\n")) {
      if (line.startsWith("data: ")) {
        if (!first) {
          data.append('\n');
        }
        data.append(line, 6, line.length());
        first = false;
      }
    }
    return data.toString();
  }

  boolean terminal() {
    return type.equals("completed") || type.equals("error") || type.equals("cancelled");
  }

  /** Gives back the upstream bytes an image frame points at; the event cannot be written afterwards. */
  void release() {
    if (image != null) {
      image.release();
    }
  }
}
