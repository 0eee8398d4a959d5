package dev.seedstream.store;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.Predicate;

/**
 * The history database: one SQLite connection used by one worker thread. Every statement runs on that
 * thread, never on an event loop, and in the order it was submitted, so writes need no locks and a read
 * always sees the writes submitted before it. The thread is in the idle scheduling class, like the store's
 * other threads ({@link StoreThreads}).
 */
final class Database {

  /** Work done with the connection on the database thread. */
  @FunctionalInterface
  interface Work<T> {
    T apply(Connection connection) throws Exception;
  }

  /** One piece of work of a group, and where its outcome goes. */
  private record Grouped(Work<Object> work, Promise<Object> done) {
  }

  /** The outcome of one piece of a group, decided once the group's transaction has ended. */
  private record Outcome(Object value, Exception failure) {
  }

  private final WorkerExecutor thread;
  private final Connection connection;
  /**
   * A group's savepoint statements, prepared once. The driver's own savepoint calls format a fresh name with
   * {@code String.format} for each and build the SQL anew: 45 % of what the database thread allocated per image
   * at a thousand images a second, and every young collection that allocation brings stops the relay too.
   */
  private PreparedStatement savepoint;
  private PreparedStatement release;
  private PreparedStatement rollbackTo;
  /** While {@link #group} runs (on the submitting event loop): the work {@link #run} collects instead of starting. */
  private List<Grouped> collecting;
  /** Transactions committed by {@link #group}; a test reads it to see that writes were grouped. */
  private volatile long groupsCommitted;

  private Database(WorkerExecutor thread, Connection connection) {
    this.thread = thread;
    this.connection = connection;
  }

  static Future<Database> open(Vertx vertx, Path file) {
    // The database's thread completes its work on event loops, and an event loop not running yet is started by
    // the thread that first hands it a task: started by this one, in the idle class, it would inherit that class.
    StoreThreads.startSharedThreads((VertxInternal) vertx);
    // One executor per database: a shared name would let two gateways in one JVM (tests) share a thread.
    WorkerExecutor thread = vertx.createSharedWorkerExecutor("seedstream-db-" + file.toAbsolutePath(), 1);
    return thread.executeBlocking(() -> {
      // The history's writes (a few per image) cost the core as much as the relay under load; they wait
      // for it like the rest of the store. The thread runs SQL and file moves only and starts no threads.
      StoreThreads.yieldToRelay();
      Files.createDirectories(file.toAbsolutePath().getParent());
      // No generated keys: nothing here reads them, and the driver otherwise matches every INSERT's SQL against
      // a regular expression to find them (a fifth of the database thread's allocation per image).
      Properties options = new Properties();
      options.setProperty("jdbc.get_generated_keys", "false");
      Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath(), options);
      try (Statement pragmas = connection.createStatement()) {
        pragmas.execute("PRAGMA journal_mode=WAL");
        pragmas.execute("PRAGMA synchronous=NORMAL");
        pragmas.execute("PRAGMA foreign_keys=ON");
        pragmas.execute("PRAGMA busy_timeout=5000");
      }
      SchemaMigrations.migrate(connection);
      return new Database(thread, connection);
    }, true).onFailure(e -> thread.close());
  }

  @SuppressWarnings("unchecked")
  <T> Future<T> run(Work<T> work) {
    if (collecting != null) {
      Promise<Object> done = ((ContextInternal) Vertx.currentContext()).promise();
      collecting.add(new Grouped((Work<Object>) work, done));
      return (Future<T>) done.future();
    }
    return thread.executeBlocking(() -> work.apply(connection), true);
  }

  /**
   * Runs every statement {@code submit} starts through {@link #run} (called on an event loop) in one
   * transaction on the database thread, each piece inside a savepoint: a piece that fails on its own (a
   * constraint) is undone alone and fails alone; a failure of the database itself ({@code disk}: full, read-only,
   * locked) undoes the whole group and fails every piece with it, so a group lands whole or not at all and
   * later writes can never land before earlier ones. One commit and one trip to the database thread for many
   * writes: one at a time, the history fell behind at a thousand images a second, its thread waiting for an
   * idle core before each write.
   */
  void group(Runnable submit, Predicate<Throwable> disk) {
    List<Grouped> pieces = new ArrayList<>();
    collecting = pieces;
    try {
      submit.run();
    } finally {
      collecting = null;
    }
    if (pieces.isEmpty()) {
      return;
    }
    thread.executeBlocking(() -> inOneTransaction(pieces, disk), true).onComplete(done -> {
      for (int i = 0; i < pieces.size(); i++) {
        Outcome outcome = done.succeeded() ? done.result().get(i) : new Outcome(null, asException(done.cause()));
        if (outcome.failure() == null) {
          pieces.get(i).done().complete(outcome.value());
        } else {
          pieces.get(i).done().fail(outcome.failure());
        }
      }
    });
  }

  long groupsCommitted() {
    return groupsCommitted;
  }

  private List<Outcome> inOneTransaction(List<Grouped> pieces, Predicate<Throwable> disk)
    throws SQLException {
    List<Outcome> outcomes = new ArrayList<>(pieces.size());
    prepareSavepoints();
    connection.setAutoCommit(false);
    try {
      for (Grouped piece : pieces) {
        savepoint.execute();
        try {
          outcomes.add(new Outcome(piece.work().apply(connection), null));
          release.execute();
        } catch (Exception e) {
          if (disk.test(e)) {
            throw new GroupRefused(e);
          }
          rollbackTo.execute();
          release.execute();
          outcomes.add(new Outcome(null, e));
        }
      }
      connection.commit();
      groupsCommitted++;
      return outcomes;
    } catch (GroupRefused | SQLException e) {
      Exception cause = e instanceof GroupRefused refused ? (Exception) refused.getCause() : e;
      try {
        connection.rollback();
      } catch (SQLException ignored) {
        // The connection is rolled back when SQLite gives up the transaction itself.
      }
      List<Outcome> refusedAll = new ArrayList<>(pieces.size());
      pieces.forEach(piece -> refusedAll.add(new Outcome(null, cause)));
      return refusedAll;
    } finally {
      restoreAutoCommit();
    }
  }

  /** Pieces of a group never nest, so one savepoint name serves them all. */
  private void prepareSavepoints() throws SQLException {
    if (savepoint == null) {
      savepoint = connection.prepareStatement("SAVEPOINT piece");
      release = connection.prepareStatement("RELEASE piece");
      rollbackTo = connection.prepareStatement("ROLLBACK TO piece");
    }
  }

  /**
   * Back to one transaction per statement. A disk error can make SQLite end the transaction itself, and then
   * the driver's closing "commit" fails with "no transaction is active": nothing is left to end, so that
   * failure is not the group's.
   */
  private void restoreAutoCommit() throws SQLException {
    try {
      connection.setAutoCommit(true);
    } catch (SQLException e) {
      if (!connection.getAutoCommit()) {
        throw e;
      }
    }
  }

  private static Exception asException(Throwable failure) {
    return failure instanceof Exception e ? e : new RuntimeException(failure);
  }

  /** Carries a database failure out of the loop of a group, to undo the whole group. */
  private static final class GroupRefused extends RuntimeException {
    private GroupRefused(Exception cause) {
      super(cause.getMessage(), cause, false, false);
    }
  }

  /** Runs {@code work} in one transaction: all of it or none of it. */
  <T> Future<T> transaction(Work<T> work) {
    return run(c -> {
      c.setAutoCommit(false);
      try {
        T result = work.apply(c);
        c.commit();
        return result;
      } catch (Exception e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    });
  }

  Future<Void> close() {
    return run(c -> {
      c.close();
      return (Void) null;
    }).eventually(thread::close);
  }
}
