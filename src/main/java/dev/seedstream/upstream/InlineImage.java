package dev.seedstream.upstream;

import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * An upstream {@code b64_json} image, kept as the base64 text it arrived in, often a slice of the
 * upstream event's own bytes: a multi-megabyte image is checked and relayed without being copied.
 * Every instance is complete, canonical-length standard base64 (the alphabet, padding only at the end,
 * a length that decodes to whole bytes), so it can be put inside a JSON string or an SSE data line as
 * it is: it holds no quote, backslash, CR, LF or NUL. Whether it is a JPEG or PNG is a separate check,
 * {@link #isJpegOrPng()}: anything else could smuggle another type into an {@code img} or a download.
 */
public final class InlineImage {

  private static final int HEAD_CHARS = 12;

  /** 0 for the 64 characters of the standard base64 alphabet, 1 for every other byte value. */
  private static final byte[] ALPHABET = alphabet();

  private final byte[] text;
  private final int offset;
  private final int length;

  private InlineImage(byte[] text, int offset, int length) {
    this.text = text;
    this.offset = offset;
    this.length = length;
  }

  /**
   * The value of the JSON string whose opening quote is at {@code quote}, without copying it, when it is
   * plain canonical base64; null when it is anything else (escapes included), for the caller to decide.
   */
  static InlineImage inJsonString(byte[] json, int quote) {
    if (quote < 0 || quote >= json.length || json[quote] != '"') {
      return null;
    }
    int start = quote + 1;
    int end = endOfBase64(json, start, json.length);
    return end < json.length && json[end] == '"' && canonicalLength(end - start)
      ? new InlineImage(json, start, end - start) : null;
  }

  /** The base64 text as an image, or null when it is not complete, canonical-length standard base64. */
  public static InlineImage parse(String b64) {
    // Any non-Latin-1 char becomes '?', which the alphabet refuses.
    byte[] bytes = b64.getBytes(StandardCharsets.ISO_8859_1);
    return endOfBase64(bytes, 0, bytes.length) == bytes.length && canonicalLength(bytes.length)
      ? new InlineImage(bytes, 0, bytes.length) : null;
  }

  static boolean isJpegOrPng(String b64) {
    InlineImage image = parse(b64);
    return image != null && image.isJpegOrPng();
  }

  /** Only the first few characters are decoded, to see the JPEG or PNG signature. */
  boolean isJpegOrPng() {
    if (length < HEAD_CHARS) {
      return false;
    }
    byte[] head = Base64.getDecoder().decode(Arrays.copyOfRange(text, offset, offset + HEAD_CHARS));
    boolean jpeg = (head[0] & 0xff) == 0xff && (head[1] & 0xff) == 0xd8 && (head[2] & 0xff) == 0xff;
    boolean png = (head[0] & 0xff) == 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G'
      && head[4] == '\r' && head[5] == '\n' && head[6] == 0x1a && head[7] == '\n';
    return jpeg || png;
  }

  /** Characters of base64 text. */
  public int length() {
    return length;
  }

  /** Bytes the image decodes to. */
  public long decodedLength() {
    int padding = text[offset + length - 1] != '=' ? 0 : text[offset + length - 2] == '=' ? 2 : 1;
    return length / 4L * 3 - padding;
  }

  /** The base64 text as a read-only view of the same bytes: framing it into an event copies nothing. */
  public Buffer base64() {
    return BufferInternal.buffer(Unpooled.wrappedBuffer(text, offset, length).asReadOnly());
  }

  /** The image's bytes; allocates them, so callers do it off the event loop. */
  public byte[] decode() {
    ByteBuffer decoded = Base64.getDecoder().decode(ByteBuffer.wrap(text, offset, length));
    byte[] out = new byte[decoded.remaining()];
    decoded.get(out);
    return out;
  }

  @Override
  public String toString() {
    return "InlineImage[" + length + " base64 chars]";
  }

  /** Where a run of alphabet characters and at most two '=' ends. */
  private static int endOfBase64(byte[] b, int from, int to) {
    int i = from;
    // A table lookup per byte: the benchmark found a per-char range test over a multi-megabyte image
    // to be half of the gateway's CPU.
    while (i < to && ALPHABET[b[i] & 0xff] == 0) {
      i++;
    }
    int paddingEnd = Math.min(to, i + 2);
    while (i < paddingEnd && b[i] == '=') {
      i++;
    }
    return i;
  }

  private static boolean canonicalLength(int length) {
    return length > 0 && length % 4 == 0;
  }

  private static byte[] alphabet() {
    byte[] table = new byte[256];
    Arrays.fill(table, (byte) 1);
    String chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < chars.length(); i++) {
      table[chars.charAt(i)] = 0;
    }
    return table;
  }
}
