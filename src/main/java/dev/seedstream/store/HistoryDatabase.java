package dev.seedstream.store;

import dev.seedstream.config.StoreSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Optional;

/**
 * Where the history lives: SQLite in the data dir (one gateway), or PostgreSQL (several gateways sharing
 * it). Both run the same {@link SchemaMigrations} and answer alike; {@link ImageArchive} sees only this.
 * Every method is called on the archive's event loop and never blocks it.
 */
interface HistoryDatabase {

  /** A job with its images, as one read saw them. */
  record JobImages(JsonObject job, List<StoredImage> images) {
  }

  static Future<HistoryDatabase> open(Vertx vertx, StoreSettings settings, BlobStore files) {
    if (settings.database() != null) {
      return PostgresHistory.open(vertx, settings.database(), files).map(db -> db);
    }
    return Database.open(vertx, settings.dataDir().resolve("seedstream.db")).map(db -> new SqliteHistory(vertx, db, files));
  }

  Future<Void> insertJob(JobRecord job);

  /** Records how the job ended; answers whether the history had a row for it. */
  Future<Boolean> finishJob(String id, String status, JsonObject terminal, JsonArray failedImages, Spend spent, long now);

  /** See {@link ImageArchive#spending}. */
  Future<List<OwnerSpend>> spending(long sinceMs, long daySinceMs);

  /** Writes the image's whole row, replacing the one there. */
  Future<Void> insertImage(StoredImage image);

  /**
   * Writes an image's final row unless its job was deleted meanwhile (then its blob goes too, unless another
   * image has it); a stored image whose blob retention removed in between is recorded as not persisted.
   */
  Future<Void> record(StoredImage outcome);

  /** Moves a complete blob into place, where deletions cannot remove it half-way. */
  Future<StoredImage> commit(StoredImage image, Blob blob, long now);

  Future<Optional<StoredImage>> image(String jobId, int index);

  Future<List<StoredImage>> images(String jobId);

  /** The job if {@code owner} may see it (null: any job), with its images. */
  Future<Optional<JobImages>> job(String id, String owner);

  /** A page of jobs, newest first; fails with {@link UnknownCursorException} for a cursor the owner cannot see. */
  Future<List<JobImages>> page(int limit, String beforeId, String owner);

  /** Deletes a finished job the owner may see, with its images; false when there is none. */
  Future<Boolean> delete(String jobId, String owner);

  /** Applies the retention limits (0 = none); returns the jobs removed, oldest first. */
  Future<List<String>> retain(long maxAgeMs, long maxBytes, long now);

  /** Bytes of stored images, each sha256 once. */
  Future<Long> storedBytes();

  /**
   * Marks jobs that can never finish as interrupted (those a stopped gateway left running) and returns the
   * images whose copies nobody is making any more.
   */
  Future<List<StoredImage>> recover(long now);

  int schemaVersion();

  /** Whether a failed write may succeed later as it is (the disk or the server refused it for now). */
  boolean retryable(Throwable failure);

  Future<Void> close();
}
