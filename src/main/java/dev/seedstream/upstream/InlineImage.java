package dev.seedstream.upstream;

import dev.seedstream.sse.EventData;
import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * An upstream {@code b64_json} image, kept as the base64 text it arrived in: a range of the upstream
 * event's own bytes ({@link EventData}), so a multi-megabyte image is checked and relayed without being
 * copied. Every instance is complete, canonical-length standard base64 (the alphabet, padding only at the
 * end, a length that decodes to whole bytes), so it can be put inside a JSON string or an SSE data line
 * as it is: it holds no quote, backslash, CR, LF or NUL. Whether it is a JPEG or PNG is a separate check,
 * {@link #isJpegOrPng()}: anything else could smuggle another type into an {@code img} or a download.
 * Its bytes live as long as the event data does: the holder of the image releases it ({@link #release()}).
 */
public final class InlineImage {

  private static final int HEAD_CHARS = 12;

  private final EventData data;
  private final long start;
  private final int length;

  private InlineImage(EventData data, long start, int length) {
    this.data = data;
    this.start = start;
    this.length = length;
  }

  /**
   * The value of the JSON string whose opening quote is at index {@code quote} of {@code json}, without
   * copying it, when it is plain canonical base64; null when it is anything else (escapes included).
   */
  static InlineImage inJsonString(EventData json, long quote) {
    if (quote < 0 || quote >= json.size() || json.get(quote) != '"') {
      return null;
    }
    long begin = quote + 1;
    long end = endOfBase64(json, begin, json.size());
    return end < json.size() && json.get(end) == '"' && end - begin <= Integer.MAX_VALUE && canonicalLength(end - begin)
      ? new InlineImage(json, begin, (int) (end - begin)) : null;
  }

  /** The base64 text as an image, or null when it is not complete, canonical-length standard base64. */
  public static InlineImage parse(String b64) {
    // Any non-Latin-1 char becomes '?', which the alphabet refuses.
    EventData bytes = EventData.of(b64.getBytes(StandardCharsets.ISO_8859_1));
    return endOfBase64(bytes, 0, bytes.size()) == bytes.size() && canonicalLength(bytes.size())
      ? new InlineImage(bytes, 0, (int) bytes.size()) : null;
  }

  /**
   * An image a cluster member kept for its job's owner, which checked it when it arrived: not scanned again. The
   * cluster is trusted as a whole (the frames around the image are relayed as kept too), and scanning 11 MB of
   * text again cost the node serving it about as much as fetching it.
   */
  public static InlineImage kept(byte[] b64) {
    if (!canonicalLength(b64.length)) {
      throw new IllegalArgumentException("a kept image is " + b64.length + " characters, not whole base64 quads");
    }
    return new InlineImage(EventData.of(b64), 0, b64.length);
  }

  /** Only the first few characters are decoded, to see the JPEG or PNG signature. */
  boolean isJpegOrPng() {
    if (length < HEAD_CHARS) {
      return false;
    }
    byte[] head = new byte[HEAD_CHARS];
    copy(0, head, 0, HEAD_CHARS);
    head = Base64.getDecoder().decode(head);
    boolean jpeg = (head[0] & 0xff) == 0xff && (head[1] & 0xff) == 0xd8 && (head[2] & 0xff) == 0xff;
    boolean png = (head[0] & 0xff) == 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G'
      && head[4] == '\r' && head[5] == '\n' && head[6] == 0x1a && head[7] == '\n';
    return jpeg || png;
  }

  /** Index of the closing quote in the event the image was found in by {@link #inJsonString}. */
  long end() {
    return start + length;
  }

  /** Characters of base64 text. */
  public int length() {
    return length;
  }

  /** Copies base64 characters {@code from} .. {@code from + count} into {@code target} at {@code offset}. */
  public void copy(int from, byte[] target, int offset, int count) {
    if (from < 0 || count < 0 || from + count > length) {
      throw new IndexOutOfBoundsException(from + "+" + count + " of " + length);
    }
    data.copy(start + from, target, offset, count);
  }

  /** Appends {@code count} bytes from {@code from} to {@code target}, straight from the event's blocks. */
  public void copyTo(int from, ByteBuf target, int count) {
    if (from < 0 || count < 0 || from + count > length) {
      throw new IndexOutOfBoundsException(from + "+" + count + " of " + length);
    }
    data.copyTo(start + from, target, count);
  }

  /**
   * The same image on a handle of its own ({@link EventData#share()}), for work on another thread: it reads
   * the event's bytes where they are, and they stay until both this image and the shared one are released.
   */
  public InlineImage share() {
    return new InlineImage(data.share(), start, length);
  }

  /** The base64 text, copied onto the heap: for the cluster's copy of the image. */
  public byte[] copyText() {
    byte[] text = new byte[length];
    copy(0, text, 0, length);
    return text;
  }

  /** Gives the event's bytes back; the image cannot be read afterwards. */
  public void release() {
    data.release();
  }

  @Override
  public String toString() {
    return "InlineImage[" + length + " base64 chars]";
  }

  /** Where a run of alphabet characters and at most two '=' ends. */
  private static long endOfBase64(EventData b, long from, long to) {
    long i = b.endOfBase64Run(from, to);
    long paddingEnd = Math.min(to, i + 2);
    while (i < paddingEnd && b.get(i) == '=') {
      i++;
    }
    return i;
  }

  private static boolean canonicalLength(long length) {
    return length > 0 && length % 4 == 0;
  }
}
