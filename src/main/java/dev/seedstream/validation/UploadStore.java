package dev.seedstream.validation;

import dev.seedstream.http.ApiException;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Uploaded reference images, in memory, for a limited time and up to a byte budget. When the
 * budget is reached the oldest uploads go first. Ids are 128 random bits, URL-safe, so an id
 * is the capability to use the image. Thread-safe: verticle instances may share one store.
 */
public final class UploadStore {

  /** An upload with its content. The array is the store's own: read it, never modify it. */
  public record Stored(Upload upload, byte[] content) {
  }

  private record Entry(Stored stored, Instant expiresAt) {
  }

  private static final int ID_BYTES = 16;

  private final Duration ttl;
  private final long maxTotalBytes;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Entry> entries = new LinkedHashMap<>(); // insertion order = age
  private long totalBytes;

  public UploadStore(Duration ttl, long maxTotalBytes, Clock clock) {
    if (ttl.isNegative() || ttl.isZero() || maxTotalBytes <= 0) {
      throw new IllegalArgumentException("upload ttl and byte budget must be positive");
    }
    this.ttl = ttl;
    this.maxTotalBytes = maxTotalBytes;
    this.clock = clock;
  }

  /** Stores {@code content} (taking ownership of the array) and returns its description. */
  public synchronized Upload put(byte[] content, ImageInfo info) {
    if (content.length > maxTotalBytes) {
      throw new ApiException(413, "payload_too_large",
        "an upload of " + content.length + " bytes is larger than the upload store (" + maxTotalBytes + " bytes)");
    }
    Instant now = clock.instant();
    dropExpired(now);
    while (totalBytes + content.length > maxTotalBytes) {
      dropOldest();
    }
    var upload = new Upload(newId(), info.format(), info.width(), info.height(), content.length);
    entries.put(upload.id(), new Entry(new Stored(upload, content), now.plus(ttl)));
    totalBytes += content.length;
    return upload;
  }

  public synchronized Optional<Stored> get(String id) {
    dropExpired(clock.instant());
    return Optional.ofNullable(entries.get(id)).map(Entry::stored);
  }

  public synchronized long totalBytes() {
    return totalBytes;
  }

  private void dropExpired(Instant now) {
    Iterator<Entry> oldestFirst = entries.values().iterator();
    while (oldestFirst.hasNext()) {
      Entry entry = oldestFirst.next();
      if (entry.expiresAt().isAfter(now)) {
        return; // every later entry was stored later and expires later
      }
      totalBytes -= entry.stored().content().length;
      oldestFirst.remove();
    }
  }

  private void dropOldest() {
    Iterator<Entry> oldestFirst = entries.values().iterator();
    totalBytes -= oldestFirst.next().stored().content().length;
    oldestFirst.remove();
  }

  private String newId() {
    byte[] bits = new byte[ID_BYTES];
    random.nextBytes(bits);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bits);
  }
}
