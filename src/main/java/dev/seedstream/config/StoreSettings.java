package dev.seedstream.config;

import java.nio.file.Path;

/**
 * How generated images are kept: where, how many downloads run at once, how long a download may take,
 * which addresses it may reach, and the retention limits (0 means no limit).
 *
 * @param trustedOrigin an {@code http(s)://host:port} whose images are fetched even over plain http and on a
 *                      loopback address: the embedded simulator's own base URL, set by {@code Gateway}; else null
 * @param database      where the history lives: null for SQLite in {@code dataDir}, else a PostgreSQL server
 * @param blobs         where image bytes live: null for files under {@code dataDir}, else an S3-compatible bucket
 * @param blobRedirect  whether a durable URL answers with a 307 to a presigned bucket URL instead of the bytes
 */
public record StoreSettings(boolean enabled, Path dataDir, int concurrency, long fetchTimeoutMs,
                            boolean allowPrivate, long maxAgeMs, long maxBytes, String trustedOrigin,
                            DatabaseUrl database, BlobUrl blobs, boolean blobRedirect) {

  public StoreSettings withTrustedOrigin(String origin) {
    return new StoreSettings(enabled, dataDir, concurrency, fetchTimeoutMs, allowPrivate, maxAgeMs, maxBytes, origin,
      database, blobs, blobRedirect);
  }
}
