package dev.seedstream.store;

import io.vertx.core.json.JsonObject;

/**
 * One generated image as the history knows it. {@code sha256}, {@code format}, {@code bytes} and
 * {@code crc32} are set once it is {@link StorageStatus#STORED}; {@code reason} says why it is not.
 */
public record StoredImage(String jobId, int index, String size, long bytes, String sha256, String format,
                          long crc32, String upstreamUrl, long urlExpiresMs, StorageStatus status, String reason,
                          long createdMs, long storedAtMs) {

  static StoredImage pending(String jobId, int index, String size, String upstreamUrl, long urlExpiresMs, long now) {
    return new StoredImage(jobId, index, size, 0, null, null, 0, upstreamUrl, urlExpiresMs, StorageStatus.PENDING,
      null, now, 0);
  }

  /** This image, kept: its bytes are in {@code blob}'s file, now in place. */
  StoredImage stored(Blob blob, long now) {
    return new StoredImage(jobId, index, size, blob.bytes(), blob.sha256(), blob.format(), blob.crc32(), upstreamUrl,
      urlExpiresMs, StorageStatus.STORED, null, createdMs, now);
  }

  StoredImage notPersisted(String why) {
    return new StoredImage(jobId, index, size, 0, null, null, 0, upstreamUrl, urlExpiresMs,
      StorageStatus.NOT_PERSISTED, why, createdMs, 0);
  }

  /** Whether the upstream URL can still be handed out (a minute of margin for the client's own fetch). */
  public boolean upstreamUrlValid(long nowMs) {
    return upstreamUrl != null && nowMs + 60_000 < urlExpiresMs;
  }

  public String mediaType() {
    return "image/" + format;
  }

  public String durableUrl() {
    return ImageArchive.durablePath(jobId, index);
  }

  /** The {@code storage} member of an image in a snapshot. */
  public JsonObject storageJson() {
    JsonObject json = new JsonObject().put("status", status.wireName());
    if (status == StorageStatus.STORED) {
      json.put("bytes", bytes).put("sha256", sha256).put("content_type", mediaType());
    }
    if (reason != null) {
      json.put("reason", reason);
    }
    return json;
  }

  /** The image as a past job's snapshot lists it, shaped like a live job's {@code images} entries. */
  public JsonObject toJson() {
    JsonObject json = new JsonObject().put("index", index);
    if (upstreamUrl != null) {
      json.put("url", upstreamUrl);
    }
    return json.put("size", size).put("durable_url", durableUrl()).put("storage", storageJson());
  }
}
