package dev.seedstream.store;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Deletes jobs with their images, alone or by retention rules, oldest first. A file goes only when no
 * remaining image has the same sha256. Blocking: the database thread only, which is also where files are
 * moved into place, so a file is never deleted under an image being stored at the same moment.
 */
final class HistoryPruner {

  private static final int BATCH = 500;

  private final BlobStore files;

  HistoryPruner(BlobStore files) {
    this.files = files;
  }

  boolean delete(Connection c, String jobId) throws SQLException, IOException {
    if (JobRows.find(c, jobId, null).isEmpty()) {
      return false;
    }
    List<StoredImage> images = ImageRows.ofJob(c, jobId);
    JobRows.delete(c, jobId);
    for (StoredImage image : images) {
      if (image.status() == StorageStatus.STORED) {
        removeIfUnreferenced(c, image.sha256(), image.format());
      }
    }
    return true;
  }

  void removeIfUnreferenced(Connection c, String sha256, String format) throws SQLException, IOException {
    if (!ImageRows.referenced(c, sha256)) {
      files.delete(sha256, format);
    }
  }

  /** Applies the limits (0 = none); returns the ids of the jobs removed, oldest first. Running jobs stay. */
  List<String> retain(Connection c, long maxAgeMs, long maxBytes, long now) throws SQLException, IOException {
    List<String> removed = new ArrayList<>();
    if (maxAgeMs > 0) {
      List<String> old;
      do {
        old = JobRows.finishedOldestFirst(c, now - maxAgeMs, BATCH);
        for (String id : old) {
          delete(c, id);
          removed.add(id);
        }
      } while (old.size() == BATCH);
    }
    while (maxBytes > 0 && ImageRows.storedBytes(c) > maxBytes) {
      List<String> oldest = JobRows.finishedOldestFirst(c, 0, 1);
      if (oldest.isEmpty()) {
        break;
      }
      delete(c, oldest.get(0));
      removed.add(oldest.get(0));
    }
    return removed;
  }
}
