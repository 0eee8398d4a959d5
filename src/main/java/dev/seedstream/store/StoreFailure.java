package dev.seedstream.store;

/** Why one image could not be stored, worded for the snapshot's {@code storage.reason}. */
final class StoreFailure extends Exception {
  StoreFailure(String reason) {
    super(reason, null, false, false);
  }
}
