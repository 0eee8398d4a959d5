package dev.seedstream.simulator;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Optional;

/**
 * The simulator's object store. It renders JPEGs off the event loop, hands out TOS-like signed URLs,
 * and serves them back. Bytes live in a bounded {@link JpegCache}; the small recipes stay until their
 * URLs expire, so an evicted image is simply drawn again when someone asks for it.
 * Not thread-safe: used from the simulator's event loop only.
 */
final class ImageGallery {

  static final long CACHE_BYTES = 64L * 1024 * 1024;
  private static final long MIN_RECIPE_GRACE_MS = 10 * 60 * 1000;

  private final Vertx vertx;
  private final UrlSigner signer = new UrlSigner();
  private final JpegCache cache;
  private final long ttlMs;
  /** Insertion order is expiry order, because every URL lives exactly {@code ttlMs}. */
  private final LinkedHashMap<String, Published> published = new LinkedHashMap<>();

  private record Published(ImageRecipe recipe, long expiresAtMs) {
  }

  ImageGallery(Vertx vertx, long ttlMs, long cacheBytes) {
    this.vertx = vertx;
    this.ttlMs = ttlMs;
    this.cache = new JpegCache(cacheBytes);
  }

  /** Renders on a worker thread; unordered, so one slow image does not hold up other requests. */
  Future<byte[]> render(ImageRecipe recipe) {
    return vertx.executeBlocking(() -> ImageRenderer.render(recipe), false);
  }

  /** Stores a rendered image and returns its signed path with query, to be appended to the base URL. */
  String publish(String token, ImageRecipe recipe, byte[] jpeg) {
    long now = System.currentTimeMillis();
    // Expired URLs keep answering 403 for a while (one more lifetime, at least ten minutes)
    // before their recipe is forgotten and they answer 404.
    dropExpiredBefore(now - Math.max(ttlMs, MIN_RECIPE_GRACE_MS));
    long expiresAtMs = now + ttlMs;
    published.put(token, new Published(recipe, expiresAtMs));
    cache.put(token, jpeg);
    return "/images/" + token + ".jpeg?X-Tos-Expires=" + ttlMs / 1000 + "&expires=" + expiresAtMs
      + "&sig=" + signer.sign(token, expiresAtMs);
  }

  boolean knows(String token) {
    return published.containsKey(token);
  }

  /** True when the signature matches and the moment has not passed; the same answer as TOS gives for both. */
  boolean grants(String token, long expiresAtMs, String signature) {
    return signer.verify(token, expiresAtMs, signature) && System.currentTimeMillis() <= expiresAtMs;
  }

  /** The JPEG of a known token, drawn again if the cache let it go. */
  Future<byte[]> jpeg(String token) {
    Optional<byte[]> cached = cache.get(token);
    if (cached.isPresent()) {
      return Future.succeededFuture(cached.get());
    }
    return render(published.get(token).recipe()).onSuccess(jpeg -> cache.put(token, jpeg));
  }

  private void dropExpiredBefore(long moment) {
    Iterator<Published> oldestFirst = published.values().iterator();
    while (oldestFirst.hasNext() && oldestFirst.next().expiresAtMs() < moment) {
      oldestFirst.remove();
    }
  }
}
