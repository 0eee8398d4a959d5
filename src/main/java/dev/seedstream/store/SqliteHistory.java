package dev.seedstream.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * The history in SQLite: every statement on the {@link Database}'s one thread, which is also where blob
 * files are moved into place and deleted, so neither can happen half-way through the other.
 */
final class SqliteHistory implements HistoryDatabase {

  private static final Logger LOG = Logger.getLogger(SqliteHistory.class.getName());

  private final Vertx vertx;
  final Database db;
  private final BlobStore files;
  private final HistoryPruner pruner;
  private final int schemaVersion;

  SqliteHistory(Vertx vertx, Database db, BlobStore files) {
    this.vertx = vertx;
    this.db = db;
    this.files = files;
    this.pruner = new HistoryPruner(files);
    this.schemaVersion = SchemaMigrations.latest();
  }

  @Override
  public Future<Void> insertJob(JobRecord job) {
    return db.run(c -> {
      JobRows.insert(c, job);
      return null;
    });
  }

  @Override
  public Future<Boolean> finishJob(String id, String status, JsonObject terminal, JsonArray failedImages, Spend spent,
                                   long now) {
    return db.run(c -> JobRows.finish(c, id, status, terminal, failedImages, spent, now) > 0);
  }

  @Override
  public Future<List<OwnerSpend>> spending(long sinceMs, long daySinceMs) {
    return db.run(c -> JobRows.spending(c, sinceMs, daySinceMs));
  }

  @Override
  public Future<Void> insertImage(StoredImage image) {
    return db.run(c -> {
      ImageRows.insert(c, image);
      return null;
    });
  }

  @Override
  public Future<Void> record(StoredImage outcome) {
    return db.run(c -> {
      if (!JobRows.exists(c, outcome.jobId())) {
        if (outcome.status() == StorageStatus.STORED) {
          pruner.removeIfUnreferenced(c, outcome.sha256(), outcome.format());
        }
        return null;
      }
      if (outcome.status() == StorageStatus.STORED && !files.exists(outcome.sha256(), outcome.format())) {
        // Retention removed a file with the same bytes between the write and this record.
        ImageRows.insert(c, outcome.notPersisted(ImageArchive.REMOVED_BEFORE_RECORDED));
        return null;
      }
      ImageRows.insert(c, outcome);
      return null;
    });
  }

  /**
   * A file is moved into place on the database thread. An upload to a bucket takes too long to hold that
   * thread: it runs on a worker, and {@link #record} (on the database thread, like retention) checks that the
   * object is still there, as on PostgreSQL.
   */
  @Override
  public Future<StoredImage> commit(StoredImage image, Blob blob, long now) {
    Database.Work<StoredImage> work = c -> {
      files.commitOrFail(blob);
      return image.stored(blob, now);
    };
    return files.local() ? db.run(work) : vertx.executeBlocking(() -> work.apply(null), false);
  }

  @Override
  public Future<Optional<StoredImage>> image(String jobId, int index) {
    return db.run(c -> ImageRows.find(c, jobId, index));
  }

  @Override
  public Future<List<StoredImage>> images(String jobId) {
    return db.run(c -> ImageRows.ofJob(c, jobId));
  }

  @Override
  public Future<Optional<JobImages>> job(String id, String owner) {
    return db.run(c -> {
      Optional<JsonObject> job = JobRows.find(c, id, owner);
      return job.isEmpty() ? Optional.empty() : Optional.of(new JobImages(job.get(), ImageRows.ofJob(c, id)));
    });
  }

  @Override
  public Future<List<JobImages>> page(int limit, String beforeId, String owner) {
    return db.run(c -> {
      Long before = null;
      if (beforeId != null) {
        before = JobRows.created(c, beforeId, owner).orElseThrow(UnknownCursorException::new);
      }
      List<JobImages> page = new ArrayList<>();
      for (JsonObject job : JobRows.page(c, limit, before, beforeId, owner)) {
        page.add(new JobImages(job, ImageRows.ofJob(c, job.getString("id"))));
      }
      return page;
    });
  }

  @Override
  public Future<Boolean> delete(String jobId, String owner) {
    return db.run(c -> JobRows.find(c, jobId, owner).isPresent() && pruner.delete(c, jobId));
  }

  @Override
  public Future<List<String>> retain(long maxAgeMs, long maxBytes, long now) {
    return db.run(c -> pruner.retain(c, maxAgeMs, maxBytes, now));
  }

  @Override
  public Future<Long> storedBytes() {
    return db.run(ImageRows::storedBytes);
  }

  @Override
  public Future<List<StoredImage>> recover(long now) {
    return db.run(c -> {
      files.removeLeftovers();
      int interrupted = JobRows.markInterrupted(c, now);
      if (interrupted > 0) {
        LOG.warning(interrupted + " job(s) were running when the gateway last stopped; marked interrupted");
      }
      return ImageRows.pending(c);
    });
  }

  @Override
  public int schemaVersion() {
    return schemaVersion;
  }

  @Override
  public boolean retryable(Throwable failure) {
    return HistoryWrites.diskRefused(failure);
  }

  @Override
  public Future<Void> close() {
    return db.close();
  }
}
