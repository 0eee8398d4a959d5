package dev.seedstream.store;

import java.util.Locale;

/** Where the gateway's own copy of one image is: on its way, on disk, or given up on (with a reason). */
public enum StorageStatus {
  PENDING, STORED, NOT_PERSISTED;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  static StorageStatus of(String wireName) {
    return valueOf(wireName.toUpperCase(Locale.ROOT));
  }
}
