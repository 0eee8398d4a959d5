package dev.seedstream.validation;

import dev.seedstream.failure.ApiException;
import dev.seedstream.failure.ErrorCode;

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
 * Uploaded reference images, in memory, for a limited time and up to a byte budget. Each client (its owner
 * key) may hold at most its share of the budget; when a client reaches its share, or the store is full, that
 * client's own oldest uploads go first, and another client's are never pushed out: a client with nothing
 * left to give back is refused with 503 until uploads expire. Ids are 128 random bits, URL-safe, so an id
 * is the capability to use the image. Thread-safe: verticle instances may share one store.
 */
public final class UploadStore {

  /** An upload with its content. The array is the store's own: read it, never modify it. */
  public record Stored(Upload upload, byte[] content) {
  }

  private record Entry(String owner, Stored stored, Instant expiresAt) {
  }

  private static final int ID_BYTES = 16;

  private final Duration ttl;
  private final long maxTotalBytes;
  private final long maxBytesPerOwner;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, Entry> entries = new LinkedHashMap<>(); // insertion order = age
  private final Map<String, Long> ownerBytes = new java.util.HashMap<>();
  private long totalBytes;

  /** @param maxBytesPerOwner one client's share of {@code maxTotalBytes} */
  public UploadStore(Duration ttl, long maxTotalBytes, long maxBytesPerOwner, Clock clock) {
    if (ttl.isNegative() || ttl.isZero() || maxTotalBytes <= 0 || maxBytesPerOwner <= 0) {
      throw new IllegalArgumentException("upload ttl and byte budgets must be positive");
    }
    this.ttl = ttl;
    this.maxTotalBytes = maxTotalBytes;
    this.maxBytesPerOwner = Math.min(maxBytesPerOwner, maxTotalBytes);
    this.clock = clock;
  }

  /** Stores {@code content} for {@code owner} (taking ownership of the array) and returns its description. */
  public synchronized Upload put(String owner, byte[] content, ImageInfo info) {
    long share = maxBytesPerOwner;
    if (content.length > share) {
      throw new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, "an upload of " + content.length
        + " bytes is larger than one client's share of the upload store (" + share + " bytes)");
    }
    Instant now = clock.instant();
    dropExpired(now);
    while (ownerBytes.getOrDefault(owner, 0L) + content.length > share
      || totalBytes + content.length > maxTotalBytes && ownerBytes.getOrDefault(owner, 0L) > 0) {
      dropOldestOf(owner);
    }
    if (totalBytes + content.length > maxTotalBytes) {
      throw new ApiException(ErrorCode.OVERLOADED, "the upload store is full with other clients' images; "
        + "retry when they expire, or send images as URLs", 60L);
    }
    var upload = new Upload(newId(), info.format(), info.width(), info.height(), content.length);
    entries.put(upload.id(), new Entry(owner, new Stored(upload, content), now.plus(ttl)));
    add(owner, content.length);
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
      add(entry.owner(), -entry.stored().content().length);
      oldestFirst.remove();
    }
  }

  private void dropOldestOf(String owner) {
    Iterator<Entry> oldestFirst = entries.values().iterator();
    while (oldestFirst.hasNext()) {
      Entry entry = oldestFirst.next();
      if (entry.owner().equals(owner)) {
        add(owner, -entry.stored().content().length);
        oldestFirst.remove();
        return;
      }
    }
  }

  private void add(String owner, long bytes) {
    totalBytes += bytes;
    ownerBytes.merge(owner, bytes, (a, b) -> a + b == 0 ? null : a + b);
  }

  private String newId() {
    byte[] bits = new byte[ID_BYTES];
    random.nextBytes(bits);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bits);
  }
}
