package dev.seedstream.store;

import dev.seedstream.config.AccessSettings;
import dev.seedstream.config.StoreSettings;
import dev.seedstream.observe.RepeatedWarning;
import dev.seedstream.upstream.InlineImage;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.streams.WriteStream;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Keeps every generated image: the history of jobs and images in SQLite or PostgreSQL (see
 * {@link HistoryDatabase}), and each image's bytes on disk,
 * named by sha256. Jobs report to it as they run; it never delays them and never fails them: an image it
 * cannot keep is marked {@code not_persisted} with the reason. Its state lives on the store's own event loop
 * ({@link StoreThreads}, low priority like the rest of the store's threads), never on a relay's: a relay thread
 * only hands each image over through a bounded hand-off, and reads hop to the store's loop and answer on the
 * caller's context. Decoding, hashing and image files go to the store's worker threads through a bounded
 * queue, SQL to the database's thread. The counters read by {@code /metrics} and {@code /readyz} are safe to
 * read from any thread.
 *
 * <p>A full or failing disk degrades the store, never the relay: an image file that cannot be written makes
 * its image {@code not_persisted} ("disk error: …"), and history writes the database refuses wait in order
 * in {@link HistoryWrites} until it takes them again. Until its final state is in the database, an image's
 * state is answered from memory, so its durable URL never claims more than has been written.
 */
public final class ImageArchive {

  private static final Logger LOG = Logger.getLogger(ImageArchive.class.getName());
  private static final long RETENTION_PERIOD_MS = 60_000;
  /** The first wait before an image's bytes are uploaded again to a bucket that refused them; doubled each time. */
  private static final long RETRY_FIRST_MS = 1_000;
  /** Short enough that an image is stored within seconds of the bucket coming back. */
  private static final long RETRY_LONGEST_MS = 10_000;
  /**
   * How long an image is retried from its staged file before it stays {@code not_persisted}: a bucket's
   * restart or a network blip, not an outage of hours (the staged files hold the local disk meanwhile).
   */
  static final long RETRY_FOR_MS = 120_000;
  /**
   * How long closing waits for images being written or discarded (a few hundred milliseconds at worst on a
   * sound disk), and then for the history's waiting writes.
   */
  private static final long CLOSE_WAIT_MS = 5_000;
  static final String REMOVED_BEFORE_RECORDED = "the image file was removed by retention before it was recorded";
  /**
   * Images waiting for the store's threads, past which a new one is not kept ({@code backlog}): at about
   * 1,000 images a second that is a second of falling behind, which the relay never waits for.
   */
  static final int MAX_BACKLOG = 1_000;
  /**
   * Inline image text the waiting images may hold (the events' off-heap blocks, kept from going back to the
   * pool until decoded); eight 8 MiB images.
   */
  static final long MAX_BACKLOG_BYTES = 64L << 20;

  /** An image whose final state is not in the database yet: {@code image} is its state now. */
  private static final class Tracked {
    private StoredImage image;
    private final Promise<Void> decided = Promise.promise();
    private final Promise<Void> recorded = Promise.promise();
    /** Whether its failure is counted already: an image retried counts once, however many attempts it takes. */
    private boolean failureCounted;
    /** Whether it waits on a timer to be uploaded again, which closing cancels. */
    private boolean waitingToRetry;
    /** Whether its final row is queued: its pending row, if not written yet, need not be. */
    private boolean rowSuperseded;
  }

  private final Vertx vertx;
  /** The store's event loop, where its state lives (package-visible for the tests, like {@link #db}). */
  final ContextInternal context;
  private final StoreSettings settings;
  /** SQLite's connection, or null on PostgreSQL: package-private so a test can impose a real SQLite limit (a full disk). */
  final Database db;
  final HistoryDatabase history;
  private final BlobStore files;
  private final FetchPolicy policy;
  private final ImageFetcher fetcher;
  private final DownloadQueue queue;
  private final StoreThreads threads;
  /** Package-visible for the tests, like {@link #db}. */
  final HistoryWrites writes;
  private final Map<String, Tracked> tracked = new HashMap<>();
  /** The end status of each job whose end the database has not recorded yet (see {@link #withEnd}). */
  private final Map<String, String> finishing = new HashMap<>();
  /** Filled with every kind at start, so that other threads only ever read it. */
  private final Map<StoreFailure.Kind, AtomicLong> failures = new EnumMap<>(StoreFailure.Kind.class);
  private final AtomicLong storedCount = new AtomicLong();
  private final AtomicLong notPersistedCount = new AtomicLong();
  private final AtomicLong retryCount = new AtomicLong();
  /** Tracked images still being downloaded or written (not waiting to retry, not decided). */
  private final AtomicInteger storing = new AtomicInteger();
  /**
   * Images a relay has handed over that the store's loop has not taken up yet, and the inline bytes they hold:
   * with {@link DownloadQueue}'s waiting ones, bounded by {@link #MAX_BACKLOG} and {@link #MAX_BACKLOG_BYTES}
   * on the relay's side, so a store's loop starved of the core cannot grow the hand-off.
   */
  private final AtomicInteger arriving = new AtomicInteger();
  private final AtomicLong arrivingBytes = new AtomicLong();
  /** The timers of images waiting to be uploaded again, cancelled on close (the next start resumes them). */
  private final java.util.Set<Long> retryTimers = new java.util.HashSet<>();
  /** Set by {@link #close} on the caller's thread: from then on the relay hands nothing over. */
  private volatile boolean closed;
  private long retentionTimer = -1;
  /** Why the last image file could not be written, until one is again; null while files are written. */
  private volatile String diskProblem;
  /** One line a minute per kind of failure, with a count: every image of a busy gateway can fail alike. */
  private final RepeatedWarning notPersistedWarnings = new RepeatedWarning(LOG, 60_000, System::nanoTime);
  /** Makes the durable URLs handed out absolute on {@code SEEDSTREAM_PUBLIC_URL} when it is set. */
  private final AccessSettings links;

  private ImageArchive(Vertx vertx, StoreSettings settings, HistoryDatabase history, BlobStore files,
                       long maxImageBytes, List<String> imageHosts, AccessSettings links) {
    this.vertx = vertx;
    this.links = links;
    this.threads = new StoreThreads(vertx, settings.concurrency());
    this.context = threads.context();
    this.settings = settings;
    this.history = history;
    this.db = history instanceof SqliteHistory sqlite ? sqlite.db : null;
    this.files = files;
    this.policy = new FetchPolicy(vertx, settings.trustedOrigin(), settings.allowPrivate(), imageHosts);
    this.fetcher = new ImageFetcher(vertx, files, policy, settings.concurrency(), maxImageBytes, settings.fetchTimeoutMs());
    this.queue = new DownloadQueue(settings.concurrency(), MAX_BACKLOG, MAX_BACKLOG_BYTES);
    this.writes = new HistoryWrites(vertx, history::retryable, db);
    for (StoreFailure.Kind kind : StoreFailure.Kind.values()) {
      failures.put(kind, new AtomicLong());
    }
  }

  /**
   * Opens (or creates and migrates) the history, then recovers what the last process left unfinished.
   * {@code imageHosts}: the configured image origins, the only ones a durable URL may redirect to (empty: any
   * host the store itself would download from). {@code links}: how the URLs it hands out are written.
   */
  public static Future<ImageArchive> open(Vertx vertx, StoreSettings settings, long maxImageBytes,
                                          List<String> imageHosts, AccessSettings links) {
    BlobStore files;
    Future<Void> reachable;
    if (settings.blobs() != null) {
      S3Blobs bucket = new S3Blobs(vertx, settings.blobs(), settings.dataDir());
      files = bucket;
      reachable = bucket.check();
    } else {
      files = new BlobFiles(vertx, settings.dataDir());
      reachable = Future.succeededFuture();
    }
    return reachable.compose(v -> HistoryDatabase.open(vertx, settings, files))
      .onFailure(e -> files.close())
      .map(history -> new ImageArchive(vertx, settings, history, files, maxImageBytes, imageHosts, links))
      // Its threads and database are open by now: a failed recovery closes them too.
      .compose(archive -> archive.onStore(archive::recover).map(archive)
        .recover(failure -> archive.close().transform(closed -> Future.failedFuture(failure))));
  }

  /** The path of the gateway's own URL for an image, known the moment the image event is created. */
  static String durablePath(String jobId, int index) {
    return "/api/images/" + jobId + "/" + index;
  }

  /** The durable URL as clients get it: relative, or absolute on {@code SEEDSTREAM_PUBLIC_URL}. */
  public String durableUrl(String jobId, int index) {
    return links.link(durablePath(jobId, index));
  }

  // ----------------------------------------------------------------- reports from running jobs

  /** {@code owner}: the creating token's name, or the client's address when no tokens are configured. */
  public void jobStarted(String id, String owner, String model, int requestedImages, JsonObject upstreamBody,
                         Spend reserved) {
    JobRecord job = new JobRecord(id, owner, upstreamBody.getString("prompt", ""), model, RerunParams.of(upstreamBody),
      requestedImages, System.currentTimeMillis(), reserved);
    hand(() -> writeReserved(() -> "record job " + id, () -> history.insertJob(job)));
  }

  /**
   * Starts keeping one image in the background; prefers inline data, which needs no download. {@code inline}
   * is the image's text, already checked as canonical base64 of a JPEG or PNG, on a handle of the caller's
   * event bytes that the store releases when it is done with it.
   */
  public void imageArrived(String jobId, int index, String url, InlineImage inline, String size) {
    long now = System.currentTimeMillis();
    long bytes = inline == null ? 0 : inline.length();
    if (closed) {
      // The gateway is stopping: like an image cut off by the shutdown, not a failure to count.
      letGo(inline);
      return;
    }
    if (arriving.get() + queue.waiting() >= MAX_BACKLOG
        || arrivingBytes.get() + queue.waitingBytes() + bytes > MAX_BACKLOG_BYTES) {
      // The store's loop has not kept up (it yields the core to the relay): refused here, on the relay's
      // thread, with no row (the row would have to wait in the hand-off too), counted and logged once a
      // minute. Its durable URL answers 404, as for an image the history was too far behind to record.
      letGo(inline);
      refusedAsBacklog(jobId, index, () -> "the store was behind: " + (arriving.get() + queue.waiting())
        + " images were already waiting to be kept");
      return;
    }
    arriving.incrementAndGet();
    arrivingBytes.addAndGet(bytes);
    Runnable handedBack = () -> {
      arriving.decrementAndGet();
      arrivingBytes.addAndGet(-bytes);
    };
    boolean handed = hand(() -> {
      // Counted down once DownloadQueue counts it (in arrived): the relay's check may count an image twice for a
      // moment, but never not at all.
      arrived(jobId, index, url, inline, size, now);
      handedBack.run();
    });
    if (!handed) {
      handedBack.run();
      letGo(inline);
    }
  }

  private void arrived(String jobId, int index, String url, InlineImage inline, String size, long now) {
    if (closed) {
      // Handed over just before the shutdown: no download starts now (the queue refuses it).
      letGo(inline);
      return;
    }
    StoredImage image = StoredImage.pending(jobId, index, size, url, url == null ? 0 : UrlExpiry.of(url, now), now);
    boolean historyBehind = !writes.hasRoomForImages();
    if (historyBehind || queue.full(inline == null ? 0 : inline.length())) {
      letGo(inline);
      // Behind already: the image's one row goes in with its final state, rather than a pending row and
      // its update, so a store that falls behind does not put twice the writes on the history as well. When
      // it is the history that is behind, there is no place for that row either: the image is counted and
      // logged as refused, and nothing is downloaded for it.
      StoredImage refused = image.notPersisted(historyBehind
        ? "the history was behind: " + writes.waiting() + " writes were already waiting for the database"
        : "the store was behind: " + queue.waiting() + " images were already waiting to be kept");
      refusedAsBacklog(jobId, index, refused::reason);
      if (!historyBehind) {
        record(refused);
      }
      return;
    }
    Tracked pending = track(image);
    // Its final row, queued once the image is kept or given up on, replaces the whole row: when the history is
    // behind, the pending row is often still waiting by then, and is not written at all (half the image rows
    // in a burst, on the thread that falls behind).
    write(() -> "record image " + key(jobId, index),
      () -> pending.rowSuperseded ? Future.succeededFuture() : history.insertImage(image));
    if (inline != null) {
      // The decode gives the handle back as soon as it ends. One still waiting for a slot when the gateway
      // stops never starts: its image is decided then, and the handle goes back with it (releasing is idempotent).
      keep(pending, inline.length(), () -> fetcher.decode(inline).onComplete(done -> inline.release()));
      pending.decided.future().onComplete(done -> inline.release());
    } else if (url != null) {
      keep(pending, 0, () -> fetcher.download(url));
    } else {
      keep(pending, 0, () -> Future.failedFuture(new StoreFailure(StoreFailure.Kind.INVALID,
        "the image event had neither a URL nor inline data")));
    }
  }

  /**
   * Counts an image the store had no room for, and logs it once a minute with the others; from any thread.
   * {@code reason} is built only for the line that is logged: on the relay's thread this can run for every image.
   */
  private void refusedAsBacklog(String jobId, int index, Supplier<String> reason) {
    notPersistedCount.incrementAndGet();
    failures.get(StoreFailure.Kind.BACKLOG).incrementAndGet();
    notPersistedWarnings.warn(StoreFailure.Kind.BACKLOG.label(),
      () -> "image " + key(jobId, index) + " not persisted: " + reason.get());
  }

  /** Gives an image's event bytes back when the store will not read them. */
  private static void letGo(InlineImage inline) {
    if (inline != null) {
      inline.release();
    }
  }

  /** {@code spent}: what the job cost, which replaces the worst case reserved when it started. */
  public void jobFinished(String id, String status, JsonObject terminal, JsonArray failedImages, Spend spent) {
    long now = System.currentTimeMillis();
    hand(() -> finished(id, status, terminal, failedImages, spent, now));
  }

  /**
   * Hands a report from a relay thread to the store's loop; false once the store is closed (the loop may have
   * ended, and a task it refuses must not fail the job that reported).
   */
  private boolean hand(Runnable report) {
    if (closed) {
      return false;
    }
    try {
      context.runOnContext(v -> report.run());
      return true;
    } catch (RejectedExecutionException e) {
      return false;
    }
  }

  private void finished(String id, String status, JsonObject terminal, JsonArray failedImages, Spend spent, long now) {
    finishing.put(id, status);
    writeReserved(() -> "finish job " + id, () -> history.finishJob(id, status, terminal, failedImages, spent, now)
      .map(found -> {
        if (!found) {
          // Its first row was dropped in a burst: every such job ends like this, so once a minute with a count.
          notPersistedWarnings.warn("no job row", () -> "history: job " + id + " finished, but the history has no row"
            + " for it (its first write was not recorded: see seedstream_store_failures_total{reason=\"database\"})");
        }
        return (Void) null;
      })).onComplete(done -> finishing.remove(id));
  }

  /**
   * {@code job} as the history lists it, with the status it ended with while that is still on its way to the
   * database: the history's writes run in the background, and a page asked for the moment a job ended (the
   * web page reloads its history panel then) would otherwise list it as still running.
   */
  private JsonObject withEnd(JsonObject job) {
    String ended = finishing.get(job.getString("id"));
    if (ended != null && "running".equals(job.getString("status"))) {
      job.put("status", ended);
    }
    return job;
  }

  /**
   * What each owner's jobs created since {@code sinceMs} count against its budgets, by currency, with the part
   * since {@code daySinceMs}: settled costs, and the worst case of jobs not settled (running somewhere, or
   * interrupted by a crash, which is never less than they cost).
   */
  public Future<List<OwnerSpend>> spending(long sinceMs, long daySinceMs) {
    return history.spending(sinceMs, daySinceMs);
  }

  // ----------------------------------------------------------------- reads

  /** The image's state: from memory until its final state is recorded, then as the database has it. */
  public Future<Optional<StoredImage>> image(String jobId, int index) {
    return onStore(() -> {
      Tracked pending = tracked.get(key(jobId, index));
      return pending != null ? Future.succeededFuture(Optional.of(pending.image)) : history.image(jobId, index);
    });
  }

  /**
   * Why a durable URL must not redirect to this upstream URL, if it must not: the same rules as for the
   * store's own downloads, and the configured image hosts.
   */
  public Optional<String> redirectProblem(String upstreamUrl) {
    return policy.redirectProblem(upstreamUrl);
  }

  /**
   * Completes once the image is stored or given up on and the history has recorded it (at once when it is
   * not in flight). While the database refuses writes that waits for space; {@link #outcome} does not.
   * Callable from any thread, so tests and measurements can wait on it too.
   */
  public Future<Void> settled(String jobId, int index) {
    return whenTracked(jobId, index, pending -> pending.recorded.future());
  }

  /** Completes once the image is stored on disk or given up on, whether or not the history has it yet. */
  public Future<Void> outcome(String jobId, int index) {
    return whenTracked(jobId, index, pending -> pending.decided.future());
  }

  private Future<Void> whenTracked(String jobId, int index, java.util.function.Function<Tracked, Future<Void>> stage) {
    return onStore(() -> {
      Tracked pending = tracked.get(key(jobId, index));
      return pending == null ? Future.succeededFuture() : stage.apply(pending);
    });
  }

  /**
   * Runs {@code work} on the store's loop, where its state lives, and answers on the caller's context (a
   * route's handler goes on on its own event loop). Called on the store's loop, it runs at once.
   */
  private <T> Future<T> onStore(Supplier<Future<T>> work) {
    ContextInternal caller = (ContextInternal) vertx.getOrCreateContext();
    if (caller == context) {
      return work.get();
    }
    Promise<T> answer = caller.promise();
    try {
      context.runOnContext(v -> {
        try {
          work.get().onComplete(answer);
        } catch (RuntimeException e) {
          answer.fail(e);
        }
      });
    } catch (RejectedExecutionException e) {
      answer.fail(new IllegalStateException("the image store is closed", e));
    }
    return answer.future();
  }

  /** The stored image's file, when images are files (sent as they are); empty when they live in a bucket. */
  public Optional<Path> file(StoredImage image) {
    return files.file(image.sha256(), image.format());
  }

  /** Streams part of a stored image to {@code out} (not ended); fails when its bytes are gone. */
  public Future<Void> copy(StoredImage image, long start, long length, WriteStream<Buffer> out) {
    return files.copy(image.sha256(), image.format(), start, length, out);
  }

  /**
   * A short-lived URL to the image's bytes in the bucket, when {@code SEEDSTREAM_BLOB_REDIRECT} is on and the
   * images live in one; else empty and the gateway serves the bytes itself.
   */
  public Optional<String> presignedUrl(StoredImage image, String contentDisposition) {
    return settings.blobRedirect()
      ? files.presignedUrl(image.sha256(), image.format(), image.mediaType(), contentDisposition) : Optional.empty();
  }

  /**
   * A past (or running) job as the history has it, with its images. With an {@code owner} (tokens are
   * configured) only a job that owner created is found; {@code null} finds any job.
   */
  public Future<Optional<JsonObject>> job(String id, String owner) {
    return onStore(() -> history.job(id, owner)
      .map(found -> found.map(job -> withEnd(job.job()).put("images", imagesJson(job.images())))));
  }

  public Future<List<StoredImage>> images(String jobId) {
    return history.images(jobId);
  }

  /**
   * One page of the history, newest first: {@code {"generations":[…], "next_before": id|null}}; with an
   * {@code owner}, that owner's jobs only. Fails with {@link UnknownCursorException} when {@code beforeId}
   * names no job the owner may see, so a cursor cannot probe for other owners' jobs either. Each row is
   * bounded whatever it holds: a prompt preview and no over-long settings (see {@link JobRows#page}).
   */
  public Future<JsonObject> page(int limit, String beforeId, String owner) {
    return onStore(() -> history.page(limit, beforeId, owner).map(page -> {
      JsonArray generations = new JsonArray();
      for (HistoryDatabase.JobImages job : page) {
        generations.add(withEnd(job.job()).put("images", imagesJson(job.images())));
      }
      Object next = generations.size() == limit ? generations.getJsonObject(limit - 1).getString("id") : null;
      return new JsonObject().put("generations", generations).put("next_before", next);
    }));
  }

  /** Per image index, the {@code storage} member of a live job's snapshot. */
  public Future<Map<Integer, JsonObject>> storage(String jobId) {
    return onStore(() -> history.images(jobId).map(rows -> {
      Map<Integer, JsonObject> byIndex = new HashMap<>();
      rows.forEach(row -> byIndex.put(row.index(), row.storageJson()));
      tracked.values().stream().filter(p -> p.image.jobId().equals(jobId))
        .forEach(p -> byIndex.put(p.image.index(), p.image.storageJson()));
      return byIndex;
    }));
  }

  /** Counts since start-up, for logs and metrics, and whether the store is degraded; read from any thread. */
  public JsonObject counters() {
    JsonObject byKind = new JsonObject();
    // Every kind, at 0 until it happens: the metrics register one counter per kind they see here at start.
    for (StoreFailure.Kind kind : StoreFailure.Kind.values()) {
      byKind.put(kind.label(), failures.get(kind).get());
    }
    return new JsonObject().put("stored", storedCount.get()).put("not_persisted", notPersistedCount.get())
      .put("retries", retryCount.get()).put("in_flight", storing.get()).put("unrecorded_writes", writes.waiting())
      .put("backlog", arriving.get() + queue.waiting()).put("backlog_bytes", arrivingBytes.get() + queue.waitingBytes())
      .put("degraded", degradedReason() != null).put("failures", byKind);
  }

  /**
   * Why the store is degraded, or null while it writes normally: image files cannot be written (since
   * the last failed file, until one is written again), or the history database refuses writes (until it
   * takes the one that waits). The relay goes on either way; see {@code /readyz}. Read from any thread.
   */
  public String degradedReason() {
    if (writes.refusal() != null) {
      return "the history database refuses writes: " + writes.refusal();
    }
    return diskProblem == null ? null : (files.local() ? "image files cannot be written: "
      : "images cannot be written to the bucket: ") + diskProblem;
  }

  // ----------------------------------------------------------------- deletion and retention

  /**
   * Deletes a job that is not running, with its images; false when the history does not have it or, with
   * an {@code owner}, when that owner did not create it (checked and deleted in one step on the database thread).
   */
  public Future<Boolean> delete(String jobId, String owner) {
    return history.delete(jobId, owner);
  }

  /** Applies the configured maximum age and total bytes now; returns the ids of the jobs removed. */
  public Future<List<String>> applyRetention() {
    long now = System.currentTimeMillis();
    return history.retain(settings.maxAgeMs(), settings.maxBytes(), now).onSuccess(removed -> {
      if (!removed.isEmpty()) {
        LOG.info("retention removed " + removed.size() + " past job(s) with their images");
      }
    });
  }

  /**
   * Stops downloads at once, then waits (up to {@link #CLOSE_WAIT_MS}) for every image still being written or
   * discarded before the store's threads go: closing the client only fails a download, and its temporary
   * file was deleted after the gateway had stopped, in the data directory of whoever stopped it. An image
   * waiting to be uploaded again keeps its staged file for the next start. Then the history writes what waits
   * (for as long again) before its database closes: closed under them, its thread was handed writes after
   * it had stopped.
   */
  public Future<Void> close() {
    closed = true;
    // The store's threads end last, waited for on the caller's side: their own loop cannot wait for itself.
    return onStore(this::closeOnStore).eventually(threads::close);
  }

  private Future<Void> closeOnStore() {
    vertx.cancelTimer(retentionTimer);
    retryTimers.forEach(vertx::cancelTimer);
    queue.close();
    return fetcher.close().eventually(this::inFlightDecided).eventually(() -> writes.close(CLOSE_WAIT_MS))
      .eventually(history::close).eventually(files::close);
  }

  private Future<Void> inFlightDecided() {
    List<Future<Void>> inFlight = tracked.values().stream().filter(t -> !t.waitingToRetry)
      .map(t -> t.decided.future()).toList();
    return Future.join(inFlight).timeout(CLOSE_WAIT_MS, TimeUnit.MILLISECONDS).<Void>mapEmpty().otherwiseEmpty();
  }

  // ----------------------------------------------------------------- internals

  private Future<Void> recover() {
    long now = System.currentTimeMillis();
    return history.recover(now).compose(pending -> {
      pending.forEach(image -> resume(image, now));
      if (settings.maxAgeMs() > 0 || settings.maxBytes() > 0) {
        retentionTimer = vertx.setPeriodic(RETENTION_PERIOD_MS, t -> applyRetention());
        // The first round before the store answers, so no read sees what start-up retention removes.
        return applyRetention().<Void>mapEmpty().otherwiseEmpty();
      }
      return Future.<Void>succeededFuture();
    });
  }

  /** An image whose copy the last process did not finish: fetch it again while its URL still works. */
  private void resume(StoredImage image, long now) {
    if (image.upstreamUrlValid(now)) {
      keep(track(image), 0, () -> fetcher.download(image.upstreamUrl()));
    } else {
      keep(track(image), 0, () -> Future.failedFuture(new StoreFailure(StoreFailure.Kind.DOWNLOAD,
        "the gateway stopped before the copy was stored, and the upstream URL is no longer valid")));
    }
  }

  private Tracked track(StoredImage image) {
    Tracked pending = new Tracked();
    update(pending, image);
    tracked.put(key(image.jobId(), image.index()), pending);
    return pending;
  }

  /** Sets the image's state now, keeping the count of images being stored ({@code in_flight}) with it. */
  private void update(Tracked pending, StoredImage next) {
    boolean was = pending.image != null && pending.image.status() == StorageStatus.PENDING;
    boolean is = next.status() == StorageStatus.PENDING;
    if (was != is) {
      storing.addAndGet(is ? 1 : -1);
    }
    pending.image = next;
  }

  /**
   * Fetches and writes the image, then records its final state. The outcome is known (and answered from
   * memory) as soon as the file is written or given up on; the record may wait for the database.
   */
  private void keep(Tracked pending, long heldBytes, Supplier<Future<Blob>> source) {
    StoredImage image = pending.image;
    String key = key(image.jobId(), image.index());
    queue.submit(heldBytes, source).compose(blob -> commitRetrying(pending, image, blob, System.nanoTime(), RETRY_FIRST_MS))
      .recover(failure -> Future.succeededFuture(giveUp(pending, image, failure)))
      .onSuccess(outcome -> {
        update(pending, outcome);
        pending.decided.complete();
        if (closed && outcome.status() != StorageStatus.STORED) {
          // Cut off by the shutdown, most likely: its pending row stays, and the next start takes it up again.
          tracked.remove(key, pending);
          pending.recorded.complete();
          return;
        }
        pending.rowSuperseded = true;
        // Reserved: the work is done, and there are at most the download queue's worth of these at a time.
        Future<Void> record = writeReserved(() -> "record image " + key, () -> history.record(outcome));
        if (record.failed()) {
          // Refused at once (the queue is full): the pending row, if it still waits, is all the history will have.
          pending.rowSuperseded = false;
        }
        record.onComplete(done -> {
          tracked.remove(key, pending);
          pending.recorded.complete();
        });
      });
  }

  /** Moves the file into place where retention cannot delete it half-way (see {@link HistoryDatabase#commit}). */
  private Future<StoredImage> commit(StoredImage image, Blob blob) {
    return history.commit(image, blob, System.currentTimeMillis()).onSuccess(stored -> {
      storedCount.incrementAndGet();
      if (diskProblem != null) {
        LOG.info("image files are written again");
        diskProblem = null;
      }
    });
  }

  /**
   * Commits the blob; when the bucket refuses it, uploads it again from its staged file after 1, 2, 4, 8, then every 10 s,
   * for up to {@link #RETRY_FOR_MS}. Meanwhile the image reads as {@code not_persisted} with the reason and
   * "retrying", and {@code /readyz} says the bucket fails. Nothing waits in the upload queue meanwhile.
   */
  private Future<StoredImage> commitRetrying(Tracked pending, StoredImage image, Blob blob, long sinceNanos, long delayMs) {
    return commit(image, blob).recover(failure -> {
      long elapsedMs = (System.nanoTime() - sinceNanos) / 1_000_000;
      if (kind(failure) != StoreFailure.Kind.BUCKET || closed || elapsedMs + delayMs > RETRY_FOR_MS) {
        // Given up: the staged file goes (a local store's went with the failed write).
        return vertx.executeBlocking(() -> {
          BlobFiles.discard(blob.file());
          return null;
        }, false).transform(v -> Future.failedFuture(failure));
      }
      String reason = reason(failure);
      countFailure(pending, kind(failure), reason);
      retryCount.incrementAndGet();
      notPersistedWarnings.warn("retry", () -> "image " + key(image.jobId(), image.index()) + " not stored yet, retrying in "
        + delayMs + " ms: " + reason);
      update(pending, image.notPersisted(reason + " (retrying)"));
      Promise<StoredImage> next = Promise.promise();
      long[] timer = new long[1];
      pending.waitingToRetry = true;
      timer[0] = vertx.setTimer(delayMs, t -> {
        pending.waitingToRetry = false;
        retryTimers.remove(timer[0]);
        commitRetrying(pending, image, blob, sinceNanos, Math.min(delayMs * 2, RETRY_LONGEST_MS)).onComplete(next);
      });
      retryTimers.add(timer[0]);
      return next.future();
    });
  }

  private void countFailure(Tracked pending, StoreFailure.Kind kind, String reason) {
    if (!pending.failureCounted) {
      pending.failureCounted = true;
      failures.get(kind).incrementAndGet();
    }
    if (kind == StoreFailure.Kind.DISK || kind == StoreFailure.Kind.BUCKET) {
      diskProblem = reason;
    }
  }

  private StoredImage giveUp(Tracked pending, StoredImage image, Throwable failure) {
    if (closed) {
      // Cut off by the shutdown (the client closed, the queue refused): not a failure to count or log, and the
      // next start takes the image up again from its pending row (see keep).
      return image.notPersisted("the gateway stopped before the image was kept");
    }
    StoreFailure.Kind kind = kind(failure);
    String reason = reason(failure);
    notPersistedCount.incrementAndGet();
    countFailure(pending, kind, reason);
    notPersistedWarnings.warn(kind.label(), () -> "image " + key(image.jobId(), image.index()) + " not persisted: " + reason);
    return image.notPersisted(reason);
  }

  /**
   * Writes the image's whole final row, so it lands whether or not the pending row before it did. A job
   * deleted meanwhile takes its images with it: then the file goes too, unless another image has it.
   */
  private Future<Void> record(StoredImage outcome) {
    return write(() -> "record image " + key(outcome.jobId(), outcome.index()), () -> history.record(outcome));
  }

  /**
   * Every history write goes through here: a write the database drops counts as a database failure.
   * {@code what} names the write in a log line, built only if one is written.
   */
  private Future<Void> write(Supplier<String> what, HistoryWrites.Write work) {
    return countedIfDropped(writes.submit(what, work));
  }

  /**
   * {@link #write} for a job's own row or a kept image's final row, which keep places in the queue after new
   * images lose theirs.
   */
  private Future<Void> writeReserved(Supplier<String> what, HistoryWrites.Write work) {
    return countedIfDropped(writes.submitReserved(what, work));
  }

  private Future<Void> countedIfDropped(Future<Void> written) {
    return written.onFailure(e -> failures.get(StoreFailure.Kind.DATABASE).incrementAndGet());
  }

  private static StoreFailure.Kind kind(Throwable failure) {
    if (failure instanceof StoreFailure store) {
      return store.kind();
    }
    if (failure instanceof UnsupportedImageException) {
      return StoreFailure.Kind.INVALID;
    }
    return failure instanceof IOException ? StoreFailure.Kind.DISK : StoreFailure.Kind.DATABASE;
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

  private JsonArray imagesJson(List<StoredImage> images) {
    JsonArray json = new JsonArray();
    images.forEach(image -> json.add(image.toJson().put("durable_url", durableUrl(image.jobId(), image.index()))));
    return json;
  }

  private static String key(String jobId, int index) {
    return jobId + "/" + index;
  }
}
