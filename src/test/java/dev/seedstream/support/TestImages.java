package dev.seedstream.support;

import java.util.Base64;
import java.util.Random;

/** Inline images for tests: random bytes behind a JPEG signature, as base64, the same for the same seed. */
public final class TestImages {

  private TestImages() {
  }

  public static String jpegBase64(int bytes, int seed) {
    byte[] jpeg = new byte[bytes];
    new Random(seed).nextBytes(jpeg);
    jpeg[0] = (byte) 0xFF;
    jpeg[1] = (byte) 0xD8;
    jpeg[2] = (byte) 0xFF;
    return Base64.getEncoder().encodeToString(jpeg);
  }
}
