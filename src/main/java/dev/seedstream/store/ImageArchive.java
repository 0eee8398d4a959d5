package dev.seedstream.store;

import dev.seedstream.config.StoreSettings;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Keeps every generated image: the history of jobs and images in SQLite, and each image's bytes on disk,
 * named by sha256. Jobs report to it as they run; it never delays them and never fails them: an image it
 * cannot keep is marked {@code not_persisted} with the reason. All methods run on the gateway's event loop;
 * SQL and file work go to worker threads.
 */
public final class ImageArchive {

  private static final Logger LOG = Logger.getLogger(ImageArchive.class.getName());
  private static final long RETENTION_PERIOD_MS = 60_000;

  private record InFlight(StoredImage image, Promise<Void> settled) {
  }

  private final Vertx vertx;
  private final Context context;
  private final StoreSettings settings;
  private final Database db;
  private final BlobFiles files;
  private final HistoryPruner pruner;
  private final ImageFetcher fetcher;
  private final DownloadQueue queue;
  private final Map<String, InFlight> inFlight = new HashMap<>();
  private long storedCount;
  private long notPersistedCount;
  private long retentionTimer = -1;

  private ImageArchive(Vertx vertx, StoreSettings settings, Database db, long maxImageBytes) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.settings = settings;
    this.db = db;
    this.files = new BlobFiles(settings.dataDir());
    this.pruner = new HistoryPruner(files);
    FetchPolicy policy = new FetchPolicy(vertx, settings.trustedOrigin(), settings.allowPrivate());
    this.fetcher = new ImageFetcher(vertx, files, policy, settings.concurrency(), maxImageBytes, settings.fetchTimeoutMs());
    this.queue = new DownloadQueue(settings.concurrency());
  }

  /** Opens (or creates and migrates) the history, then recovers what the last process left unfinished. */
  public static Future<ImageArchive> open(Vertx vertx, StoreSettings settings, long maxImageBytes) {
    return Database.open(vertx, settings.dataDir().resolve("seedstream.db"))
      .map(db -> new ImageArchive(vertx, settings, db, maxImageBytes))
      .compose(archive -> archive.recover().map(archive));
  }

  /** The gateway's own URL for an image, known the moment the image event is created. */
  public static String durableUrl(String jobId, int index) {
    return "/api/images/" + jobId + "/" + index;
  }

  // ----------------------------------------------------------------- reports from running jobs

  /** {@code owner}: the creating token's name, or the client's address when no tokens are configured. */
  public void jobStarted(String id, String owner, String model, int requestedImages, JsonObject upstreamBody) {
    JobRecord job = new JobRecord(id, owner, upstreamBody.getString("prompt", ""), model, RerunParams.of(upstreamBody),
      requestedImages, System.currentTimeMillis());
    write("record job " + id, c -> JobRows.insert(c, job));
  }

  /** Starts keeping one image in the background; prefers inline data, which needs no download. */
  /** {@code base64} is the image's text, already checked as canonical base64 of a JPEG or PNG. */
  public void imageArrived(String jobId, int index, String url, byte[] base64, String size) {
    long now = System.currentTimeMillis();
    StoredImage image = StoredImage.pending(jobId, index, size, url, url == null ? 0 : UrlExpiry.of(url, now), now);
    write("record image " + key(jobId, index), c -> ImageRows.insert(c, image));
    if (base64 != null) {
      keep(image, () -> fetcher.decode(base64));
    } else if (url != null) {
      keep(image, () -> fetcher.download(url));
    } else {
      keep(image, () -> Future.failedFuture(new StoreFailure("the image event had neither a URL nor inline data")));
    }
  }

  public void jobFinished(String id, String status, JsonObject terminal, JsonArray failedImages) {
    long now = System.currentTimeMillis();
    write("finish job " + id, c -> JobRows.finish(c, id, status, terminal, failedImages, now));
  }

  // ----------------------------------------------------------------- reads

  /** The image's state: in flight (from memory) or as the database has it. */
  public Future<Optional<StoredImage>> image(String jobId, int index) {
    InFlight pending = inFlight.get(key(jobId, index));
    if (pending != null) {
      return Future.succeededFuture(Optional.of(pending.image()));
    }
    return db.run(c -> ImageRows.find(c, jobId, index));
  }

  /**
   * Completes once the image is stored or given up on (at once when it is not in flight). Callable from
   * any thread, so tests and measurements can wait on it too.
   */
  public Future<Void> settled(String jobId, int index) {
    if (Vertx.currentContext() != context) {
      Promise<Void> hop = Promise.promise();
      context.runOnContext(v -> settled(jobId, index).onComplete(hop));
      return hop.future();
    }
    InFlight pending = inFlight.get(key(jobId, index));
    return pending == null ? Future.succeededFuture() : pending.settled().future();
  }

  public Path file(StoredImage image) {
    return files.path(image.sha256(), image.format());
  }

  /**
   * A past (or running) job as the history has it, with its images. With an {@code owner} (tokens are
   * configured) only a job that owner created is found; {@code null} finds any job.
   */
  public Future<Optional<JsonObject>> job(String id, String owner) {
    return db.run(c -> {
      Optional<JsonObject> job = JobRows.find(c, id, owner);
      if (job.isPresent()) {
        job.get().put("images", imagesJson(ImageRows.ofJob(c, id)));
      }
      return job;
    });
  }

  public Future<List<StoredImage>> images(String jobId) {
    return db.run(c -> ImageRows.ofJob(c, jobId));
  }

  /**
   * One page of the history, newest first: {@code {"generations":[…], "next_before": id|null}}; with an
   * {@code owner}, that owner's jobs only. Fails with {@link UnknownCursorException} when {@code beforeId}
   * names no job the owner may see, so a cursor cannot probe for other owners' jobs either.
   */
  public Future<JsonObject> page(int limit, String beforeId, String owner) {
    return db.run(c -> {
      Long before = null;
      if (beforeId != null) {
        before = JobRows.created(c, beforeId, owner).orElseThrow(UnknownCursorException::new);
      }
      JsonArray generations = new JsonArray();
      for (JsonObject job : JobRows.page(c, limit, before, beforeId, owner)) {
        generations.add(job.put("images", imagesJson(ImageRows.ofJob(c, job.getString("id")))));
      }
      Object next = generations.size() == limit ? generations.getJsonObject(limit - 1).getString("id") : null;
      return new JsonObject().put("generations", generations).put("next_before", next);
    });
  }

  /** Per image index, the {@code storage} member of a live job's snapshot. */
  public Future<Map<Integer, JsonObject>> storage(String jobId) {
    return db.run(c -> ImageRows.ofJob(c, jobId)).map(rows -> {
      Map<Integer, JsonObject> byIndex = new HashMap<>();
      rows.forEach(row -> byIndex.put(row.index(), row.storageJson()));
      inFlight.values().stream().filter(p -> p.image().jobId().equals(jobId))
        .forEach(p -> byIndex.put(p.image().index(), p.image().storageJson()));
      return byIndex;
    });
  }

  /** Counts since start-up, for logs and metrics. */
  public JsonObject counters() {
    return new JsonObject().put("stored", storedCount).put("not_persisted", notPersistedCount)
      .put("in_flight", inFlight.size());
  }

  // ----------------------------------------------------------------- deletion and retention

  /**
   * Deletes a job that is not running, with its images; false when the history does not have it or, with
   * an {@code owner}, when that owner did not create it (checked and deleted in one step on the database thread).
   */
  public Future<Boolean> delete(String jobId, String owner) {
    return db.run(c -> JobRows.find(c, jobId, owner).isPresent() && pruner.delete(c, jobId));
  }

  /** Applies the configured maximum age and total bytes now; returns the ids of the jobs removed. */
  public Future<List<String>> applyRetention() {
    long now = System.currentTimeMillis();
    return db.run(c -> pruner.retain(c, settings.maxAgeMs(), settings.maxBytes(), now)).onSuccess(removed -> {
      if (!removed.isEmpty()) {
        LOG.info("retention removed " + removed.size() + " past job(s) with their images");
      }
    });
  }

  public Future<Void> close() {
    vertx.cancelTimer(retentionTimer);
    return fetcher.close().eventually(db::close);
  }

  // ----------------------------------------------------------------- internals

  private Future<Void> recover() {
    long now = System.currentTimeMillis();
    return db.run(c -> {
      files.removeLeftovers();
      int interrupted = JobRows.markInterrupted(c, now);
      if (interrupted > 0) {
        LOG.warning(interrupted + " job(s) were running when the gateway last stopped; marked interrupted");
      }
      return ImageRows.pending(c);
    }).map(pending -> {
      pending.forEach(image -> resume(image, now));
      if (settings.maxAgeMs() > 0 || settings.maxBytes() > 0) {
        applyRetention();
        retentionTimer = vertx.setPeriodic(RETENTION_PERIOD_MS, t -> applyRetention());
      }
      return null;
    });
  }

  /** An image whose copy the last process did not finish: fetch it again while its URL still works. */
  private void resume(StoredImage image, long now) {
    if (image.upstreamUrlValid(now)) {
      keep(image, () -> fetcher.download(image.upstreamUrl()));
    } else {
      keep(image, () -> Future.failedFuture(new StoreFailure(
        "the gateway stopped before the copy was stored, and the upstream URL is no longer valid")));
    }
  }

  private void keep(StoredImage image, Supplier<Future<Blob>> source) {
    String key = key(image.jobId(), image.index());
    InFlight pending = new InFlight(image, Promise.promise());
    inFlight.put(key, pending);
    queue.submit(source).compose(blob -> commit(image, blob)).recover(failure -> giveUp(image, reason(failure)))
      .onComplete(done -> {
        inFlight.remove(key, pending);
        pending.settled().complete();
      });
  }

  /** Moves the file into place and records it, on the database thread (see {@link HistoryPruner}). */
  private Future<Void> commit(StoredImage image, Blob blob) {
    long now = System.currentTimeMillis();
    return db.run(c -> {
      try {
        files.commit(blob);
      } catch (IOException e) {
        BlobFiles.discard(blob.file());
        throw new StoreFailure("the image could not be written to disk: " + e);
      }
      if (ImageRows.markStored(c, image.jobId(), image.index(), blob, now) == 0) {
        pruner.removeIfUnreferenced(c, blob.sha256(), blob.format()); // the job was deleted meanwhile
      }
      return (Void) null;
    }).onSuccess(v -> storedCount++);
  }

  private Future<Void> giveUp(StoredImage image, String reason) {
    notPersistedCount++;
    LOG.warning("image " + key(image.jobId(), image.index()) + " not persisted: " + reason);
    return db.run(c -> {
      ImageRows.markNotPersisted(c, image.jobId(), image.index(), reason);
      return null;
    });
  }

  private static String reason(Throwable failure) {
    if (failure instanceof StoreFailure || failure instanceof UnsupportedImageException) {
      return failure.getMessage();
    }
    if (failure instanceof IOException) {
      return "disk error: " + failure;
    }
    return "unexpected error: " + failure;
  }

  private void write(String what, SqlWrite work) {
    db.run(c -> {
      work.apply(c);
      return null;
    }).onFailure(e -> LOG.warning("history: could not " + what + ": " + e));
  }

  /** A statement with no result. */
  @FunctionalInterface
  private interface SqlWrite {
    void apply(java.sql.Connection c) throws Exception;
  }

  private static JsonArray imagesJson(List<StoredImage> images) {
    JsonArray json = new JsonArray();
    images.forEach(image -> json.add(image.toJson()));
    return json;
  }

  private static String key(String jobId, int index) {
    return jobId + "/" + index;
  }
}
