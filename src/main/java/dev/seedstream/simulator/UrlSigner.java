package dev.seedstream.simulator;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Signs image URLs the way TOS pre-signs them: only someone who got the URL from a generation can
 * fetch the image, and only until it expires. The secret is random per simulator, so URLs die with it.
 */
final class UrlSigner {

  private static final String ALGORITHM = "HmacSHA256";

  private final SecretKeySpec key;

  UrlSigner() {
    byte[] secret = new byte[32];
    new SecureRandom().nextBytes(secret);
    this.key = new SecretKeySpec(secret, ALGORITHM);
  }

  String sign(String token, long expiresAtMs) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
      byte[] digest = mac.doFinal((token + ":" + expiresAtMs).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }

  /** Constant-time comparison, so the signature cannot be guessed byte by byte from response times. */
  boolean verify(String token, long expiresAtMs, String signature) {
    byte[] expected = sign(token, expiresAtMs).getBytes(StandardCharsets.US_ASCII);
    return signature != null && MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.US_ASCII));
  }
}
