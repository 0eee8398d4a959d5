package dev.seedstream.store;

import java.util.Locale;

/** Why one image could not be stored, worded for the snapshot's {@code storage.reason}, and of which kind. */
final class StoreFailure extends Exception {

  /**
   * What failed, as the {@code reason} label of the store's failure counter. Only {@link #DISK}, {@link #BUCKET}
   * and {@link #DATABASE} are the gateway's own storage failing; the others are about the image or its source.
   */
  enum Kind {
    /** The image could not be fetched: DNS, connection, HTTP status, time. */
    DOWNLOAD,
    /** The URL is one the gateway does not download from. */
    REFUSED,
    /** The bytes are not a storable image: not JPEG/PNG, too large, bad base64. */
    INVALID,
    /** The image file could not be written. */
    DISK,
    /** The bucket (SEEDSTREAM_BLOB_URL) refused the image or did not answer. */
    BUCKET,
    /** The history database refused the write. */
    DATABASE,
    /** Images arrived faster than the store keeps them, and its bounded backlog was full. */
    BACKLOG;

    /** Made once: the label is asked for per image. */
    private final String label = name().toLowerCase(Locale.ROOT);

    String label() {
      return label;
    }
  }

  private final Kind kind;

  StoreFailure(Kind kind, String reason) {
    super(reason, null, false, false);
    this.kind = kind;
  }

  /** A failure to write an image file: the disk is full, read-only or gone. */
  static StoreFailure disk(Throwable cause) {
    return new StoreFailure(Kind.DISK, "disk error: " + cause);
  }

  /** A failure to keep an image's bytes where {@code store} keeps them: the disk, or the bucket. */
  static StoreFailure writing(BlobStore store, Throwable cause) {
    return store.local() ? disk(cause) : new StoreFailure(Kind.BUCKET, "bucket error: " + cause.getMessage());
  }

  Kind kind() {
    return kind;
  }
}
