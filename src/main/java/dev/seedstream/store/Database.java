package dev.seedstream.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

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

  private final WorkerExecutor thread;
  private final Connection connection;

  private Database(WorkerExecutor thread, Connection connection) {
    this.thread = thread;
    this.connection = connection;
  }

  static Future<Database> open(Vertx vertx, Path file) {
    // One executor per database: a shared name would let two gateways in one JVM (tests) share a thread.
    WorkerExecutor thread = vertx.createSharedWorkerExecutor("seedstream-db-" + file.toAbsolutePath(), 1);
    return thread.executeBlocking(() -> {
      // The history's writes (a few per image) cost the core as much as the relay under load; they wait
      // for it like the rest of the store. The thread runs SQL and file moves only and starts no threads.
      StoreThreads.yieldToRelay();
      Files.createDirectories(file.toAbsolutePath().getParent());
      Connection connection = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath());
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

  <T> Future<T> run(Work<T> work) {
    return thread.executeBlocking(() -> work.apply(connection), true);
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
