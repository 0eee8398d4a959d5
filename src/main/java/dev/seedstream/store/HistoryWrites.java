package dev.seedstream.store;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import dev.seedstream.observe.RepeatedWarning;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The history's writes, applied in the order they were submitted, so a job's row is always written before its
 * images' rows: on SQLite in groups, one transaction each, that land whole or not at all; on PostgreSQL one at a
 * time. A write the database refuses for now ({@code SQLITE_FULL}, an I/O error, a
 * read-only or locked file; a PostgreSQL server that is down or out of space) is not dropped: it stays first in line, the writes behind it wait, and it is
 * tried again when the next write arrives and every {@link #RETRY_MS}, so once space returns the history
 * catches up in order. Any other failure (a constraint, a bug) is logged and that write alone is dropped.
 * While a write waits the store is degraded. Event loop only.
 */
final class HistoryWrites {

  /** A statement, or a few, started when its turn comes. */
  @FunctionalInterface
  interface Write {
    Future<Void> start();
  }

  private record Pending(Supplier<String> what, Write work, Promise<Void> done) {
  }

  static final long RETRY_MS = 1_000;
  /** Writes waiting behind a refused one; past this, new ones are dropped rather than held without bound. */
  static final int MAX_WAITING = 10_000;
  /**
   * The last places of the queue, which only reserved writes take: jobs' own rows, and the final rows of images
   * the store has already kept or given up on (at most its download queue's worth at a time). A job row dropped
   * makes every image row of its job fail after it (their foreign key), and a final row dropped leaves a kept
   * image recorded as pending; so in a burst the history cannot keep up with, new images are refused first (and
   * then not downloaded at all). Half the queue: a job has two rows, and on one busy core the history's thread
   * (in the idle class) can fall behind for a minute while thousands of jobs start (the benchmark's S2 burst).
   */
  static final int RESERVED = 5_000;
  /** Writes sent to SQLite together, in one transaction (see {@link Database#group}). */
  static final int MAX_GROUP = 256;

  private static final Logger LOG = Logger.getLogger(HistoryWrites.class.getName());

  private final Vertx vertx;
  /** Whether a failure is the database refusing for now (disk full, server down), so the same write can land later. */
  private final Predicate<Throwable> retryable;
  private final Database database;
  private final Deque<Pending> waiting = new ArrayDeque<>();
  private boolean writing;
  private long retryTimer = -1;
  /** Read by {@code /readyz} and {@code /metrics} on relay threads, like {@link #waitingCount}. */
  private volatile String refusal;
  /** {@code waiting}'s size, kept for readers on other threads. */
  private volatile int waitingCount;
  private long dropped;
  /** Set by {@link #close}: completed once nothing waits or is being written. */
  private Promise<Void> closing;
  private long closeTimer = -1;
  /** While closing: past the wait, or refused by the database, so what still waits is dropped. */
  private boolean giveUpWaiting;
  /** Past the bound every write is dropped alike, a thousand a second under load: one line a minute, with a count. */
  private final RepeatedWarning full = new RepeatedWarning(LOG, 60_000, System::nanoTime);
  private final RepeatedWarning failures = new RepeatedWarning(LOG, 60_000, System::nanoTime);

  HistoryWrites(Vertx vertx, Predicate<Throwable> retryable) {
    this(vertx, retryable, null);
  }

  /**
   * {@code database}: the SQLite history's, whose writes then go in groups of up to {@link #MAX_GROUP}, one
   * transaction each; null (PostgreSQL) writes one at a time, each its own statement.
   */
  HistoryWrites(Vertx vertx, Predicate<Throwable> retryable, Database database) {
    this.vertx = vertx;
    this.retryable = retryable;
    this.database = database;
  }

  /**
   * Queues {@code work}; completes once it is written, or fails when it was dropped (the failure says why).
   * {@code what} names it in logs.
   */
  Future<Void> submit(Supplier<String> what, Write work) {
    return submit(what, work, false);
  }

  /** {@link #submit} for a write that may take the places {@link #RESERVED}. */
  Future<Void> submitReserved(Supplier<String> what, Write work) {
    return submit(what, work, true);
  }

  /** Whether a new image's first row would be taken now: while not, the image is better not kept at all. */
  boolean hasRoomForImages() {
    return waiting.size() < places(false);
  }

  private static int places(boolean reserved) {
    return reserved ? MAX_WAITING : MAX_WAITING - RESERVED;
  }

  private Future<Void> submit(Supplier<String> what, Write work, boolean reserved) {
    Promise<Void> done = Promise.promise();
    if (closing != null) {
      dropped++;
      done.fail(new StoreFailure(StoreFailure.Kind.DATABASE, "the gateway is stopping"));
      return done.future();
    }
    if (waiting.size() >= places(reserved)) {
      dropped++;
      full.warn(reserved ? "full" : "full for images", () -> "history: could not " + what.get() + ": " + waiting.size()
        + " writes already wait for the database"
        + (reserved ? "" : " (the last " + RESERVED + " places are for jobs' rows and kept images' final rows)"));
      done.fail(new StoreFailure(StoreFailure.Kind.DATABASE, refusal != null
        ? "the history database refuses writes (" + refusal + ")" : "the history is " + waiting.size() + " writes behind"));
      return done.future();
    }
    waiting.add(new Pending(what, work, done));
    waitingCount = waiting.size();
    writeNext();
    return done.future();
  }

  /** Why the history refuses writes now, or null when it takes them. */
  String refusal() {
    return refusal;
  }

  int waiting() {
    return waitingCount;
  }

  /** Writes dropped since start-up, whether refused for good or past {@link #MAX_WAITING}. */
  long dropped() {
    return dropped;
  }

  /**
   * Takes no more writes and writes those waiting, for up to {@code waitMs}; then drops the rest (as it does at
   * once when the database refuses one), after the group being written has ended, so that the database is
   * never closed under a write. A job or image whose last row is dropped is recovered from its row before at
   * the next start, as after a crash. Completes when nothing is being written any more.
   */
  Future<Void> close(long waitMs) {
    if (closing == null) {
      closing = Promise.promise();
      vertx.cancelTimer(retryTimer);
      retryTimer = -1;
      closeTimer = vertx.setTimer(waitMs, t -> {
        closeTimer = -1;
        giveUpWaiting = true;
        writeNext();
      });
      writeNext();
    }
    return closing.future();
  }

  private void writeNext() {
    if (writing) {
      return;
    }
    if (closing != null && (giveUpWaiting || waiting.isEmpty())) {
      closed();
      return;
    }
    if (waiting.isEmpty()) {
      return;
    }
    writing = true;
    List<Pending> batch = waiting.stream().limit(database == null ? 1 : MAX_GROUP).toList();
    List<Future<Void>> started = new ArrayList<>(batch.size());
    Runnable start = () -> batch.forEach(pending -> started.add(start(pending)));
    if (database != null) {
      database.group(start, retryable);
    } else {
      start.run();
    }
    Future.join(started).onComplete(all -> {
      writing = false;
      for (int i = 0; i < batch.size(); i++) {
        Future<Void> result = started.get(i);
        if (result.succeeded()) {
          written(batch.get(i));
        } else if (retryable.test(result.cause())) {
          // A group is undone whole: this write and every one after it stay in line, in order.
          refused(batch.get(i), result.cause());
          return;
        } else {
          failed(batch.get(i), result.cause());
        }
      }
      writeNext();
    });
  }

  private static Future<Void> start(Pending pending) {
    try {
      return pending.work().start();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  private void written(Pending write) {
    waiting.remove();
    waitingCount = waiting.size();
    if (refusal != null) {
      LOG.info("history: writes are accepted again");
      refusal = null;
    }
    write.done().complete();
  }

  private void closed() {
    if (!waiting.isEmpty()) {
      LOG.warning("history: " + waiting.size() + " write(s) not made before the gateway stopped; the next start"
        + " recovers their jobs and images from the rows written before them");
    }
    for (Pending write : waiting) {
      dropped++;
      write.done().fail(new StoreFailure(StoreFailure.Kind.DATABASE, "the gateway stopped before it was written"));
    }
    waiting.clear();
    waitingCount = 0;
    vertx.cancelTimer(closeTimer);
    closing.tryComplete();
  }

  /** Stays first in line; the timer (or the next submission) tries it again; when closing, the rest is dropped. */
  private void refused(Pending write, Throwable cause) {
    if (closing != null) {
      giveUpWaiting = true;
      writeNext();
      return;
    }
    if (refusal == null) {
      LOG.warning("history: could not " + write.what().get() + ", " + waiting.size() + " write(s) wait: " + cause);
    }
    refusal = String.valueOf(cause.getMessage());
    if (retryTimer < 0) {
      retryTimer = vertx.setTimer(RETRY_MS, t -> {
        retryTimer = -1;
        writeNext();
      });
    }
  }

  private void failed(Pending write, Throwable cause) {
    waiting.remove();
    waitingCount = waiting.size();
    dropped++;
    // One line a minute per kind of failure, with a count: once the queue was full and a job's row dropped,
    // every image row of that job fails its foreign key alike (thousands a minute in the benchmark).
    failures.warn(cause.getClass().getName() + (cause instanceof SQLiteException sqlite ? sqlite.getResultCode() : ""),
      () -> "history: could not " + write.what().get() + ": " + cause);
    write.done().fail(cause);
  }

  /** Whether the file system, not the statement, refused the write: then the same write can succeed later. */
  static boolean diskRefused(Throwable cause) {
    if (cause instanceof IOException) {
      return true;
    }
    if (!(cause instanceof SQLiteException sqlite)) {
      return false;
    }
    int primary = sqlite.getResultCode().code & 0xff;
    return primary == SQLiteErrorCode.SQLITE_FULL.code || primary == SQLiteErrorCode.SQLITE_IOERR.code
      || primary == SQLiteErrorCode.SQLITE_READONLY.code || primary == SQLiteErrorCode.SQLITE_CANTOPEN.code
      || primary == SQLiteErrorCode.SQLITE_BUSY.code || primary == SQLiteErrorCode.SQLITE_LOCKED.code;
  }
}
