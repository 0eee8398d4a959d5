package dev.seedstream.access;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;

/**
 * The short-lived {@code access} parameter that lets an {@code EventSource}, which cannot send an
 * Authorization header, open one job's event stream: {@code <expiry-ms>.<HMAC-SHA256(job id, expiry)>}
 * under a key made up per process. It grants only that job's stream, only until it expires, and it is
 * checked when a stream opens (a stream already open runs on). In a cluster the key comes from the cluster's
 * shared secret, so every node signs and checks alike.
 */
public final class EventAccess {

  public static final long TTL_MS = 60_000;

  private final byte[] key;
  private final Clock clock;

  public EventAccess(Clock clock) {
    this.key = new byte[32];
    new SecureRandom().nextBytes(key);
    this.clock = clock;
  }

  /**
   * Keyed by a secret every node of a cluster shares: a URL one node signs opens the stream on any other. The key
   * is derived from the secret (HMAC of a fixed label), so the secret itself never signs anything.
   */
  public EventAccess(Clock clock, String sharedSecret) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(sharedSecret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      this.key = mac.doFinal("seedstream event access".getBytes(StandardCharsets.US_ASCII));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JVM has HmacSHA256", e);
    }
    this.clock = clock;
  }

  /** A parameter value for {@code jobId} that is valid for {@link #TTL_MS}. */
  public String issue(String jobId) {
    long expiry = clock.millis() + TTL_MS;
    return expiry + "." + sign(jobId, expiry);
  }

  /** Whether {@code access} was issued by this process for {@code jobId} and has not expired. */
  public boolean verify(String jobId, String access) {
    if (access == null || jobId == null) {
      return false;
    }
    int dot = access.indexOf('.');
    long expiry;
    try {
      expiry = Long.parseLong(access.substring(0, Math.max(dot, 0)));
    } catch (NumberFormatException e) {
      return false;
    }
    byte[] expected = sign(jobId, expiry).getBytes(StandardCharsets.US_ASCII);
    byte[] given = access.substring(dot + 1).getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(expected, given) && clock.millis() <= expiry;
  }

  private String sign(String jobId, long expiry) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      byte[] tag = mac.doFinal((jobId + "\n" + expiry).getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(tag);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every JVM has HmacSHA256", e);
    }
  }
}
