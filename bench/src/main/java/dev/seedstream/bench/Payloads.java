package dev.seedstream.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

/**
 * Base64 "images" of an exact text length, built once per length and shared by every stream. They sit in
 * direct memory behind an unreleasable wrapper, so writing one to many sockets copies nothing in the fake
 * upstream: its cost must not depend on the payload size, or it would blur the relays' figures.
 */
final class Payloads {

  private static final byte[] JPEG_MAGIC = {(byte) 0xff, (byte) 0xd8, (byte) 0xff, (byte) 0xe0};

  private final Map<Integer, Buffer> cache = new HashMap<>();

  /** {@code textLength} is rounded down to a multiple of 4 so the text is valid padded base64. */
  synchronized Buffer b64(int textLength) {
    return cache.computeIfAbsent(textLength, Payloads::build);
  }

  /** An "image" file of {@code bytes} bytes for the image server: a JPEG signature, then random bytes. */
  static Buffer image(int bytes) {
    byte[] image = new byte[bytes];
    new Random(bytes).nextBytes(image);
    System.arraycopy(JPEG_MAGIC, 0, image, 0, Math.min(JPEG_MAGIC.length, image.length));
    return Buffer.buffer(image);
  }

  private static Buffer build(int textLength) {
    byte[] image = new byte[textLength / 4 * 3];
    // Random bytes, not zeros: base64 of zeros is one repeated letter, which no relay should get for free.
    new Random(textLength).nextBytes(image);
    System.arraycopy(JPEG_MAGIC, 0, image, 0, Math.min(JPEG_MAGIC.length, image.length));
    byte[] text = Base64.getEncoder().encode(image);
    ByteBuf direct = Unpooled.directBuffer(text.length).writeBytes(text);
    return BufferInternal.buffer(Unpooled.unreleasableBuffer(direct));
  }
}
