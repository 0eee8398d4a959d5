package dev.seedstream.job;

import dev.seedstream.failure.ApiException;
import dev.seedstream.failure.ErrorCode;

import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The per-client limits (a client is a token's name, else an address): running generations at once,
 * and images per minute. Images are counted when a generation is admitted, at the number requested,
 * because that is what the upstream may bill. The minute is a token bucket that refills continuously,
 * so a client that used its minute can start again as soon as enough of it has come back.
 */
final class ClientLimits {

  private static final long MINUTE_NANOS = 60_000_000_000L;
  private static final int PRUNE_ABOVE = 10_000;

  private final int maxRunning;
  private final int imagesPerMinute;
  private final LongSupplier nanoTime;
  private final Map<String, Integer> running = new HashMap<>();
  private final Map<String, Bucket> buckets = new HashMap<>();

  private final class Bucket {
    double images = imagesPerMinute;
    long at = nanoTime.getAsLong();

    double refill() {
      long now = nanoTime.getAsLong();
      images = Math.min(imagesPerMinute, images + (now - at) * (double) imagesPerMinute / MINUTE_NANOS);
      at = now;
      return images;
    }
  }

  ClientLimits(int maxRunning, int imagesPerMinute, LongSupplier nanoTime) {
    this.maxRunning = maxRunning;
    this.imagesPerMinute = imagesPerMinute;
    this.nanoTime = nanoTime;
  }

  /** Admits one generation of {@code images} for {@code client}, or throws 429 {@code rate_limited}. */
  void admit(String client, int images) {
    int mine = running.getOrDefault(client, 0);
    if (mine >= maxRunning) {
      throw limited("this client already runs " + mine + " generations, its limit", 5);
    }
    Bucket bucket = buckets.computeIfAbsent(client, k -> new Bucket());
    double left = bucket.refill();
    int wanted = Math.min(images, imagesPerMinute);
    if (left < wanted) {
      long seconds = (long) Math.ceil((wanted - left) * 60.0 / imagesPerMinute);
      throw limited("this client may request " + imagesPerMinute + " images per minute; " + (int) left
        + " are left and this request asks for " + images, Math.max(1, seconds));
    }
    bucket.images -= wanted;
    running.merge(client, 1, Integer::sum);
    prune();
  }

  void finished(String client) {
    running.computeIfPresent(client, (k, n) -> n <= 1 ? null : n - 1);
  }

  private static ApiException limited(String message, long retryAfterSeconds) {
    return new ApiException(ErrorCode.RATE_LIMITED, message, retryAfterSeconds);
  }

  /** Clients that have been quiet for a minute hold a full bucket, which is the same as holding none. */
  private void prune() {
    if (buckets.size() > PRUNE_ABOVE) {
      buckets.values().removeIf(bucket -> bucket.refill() >= imagesPerMinute);
    }
  }
}
