package dev.seedstream.store;

import dev.seedstream.Gateway;
import dev.seedstream.support.Await;
import dev.seedstream.support.LogCapture;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The history's write queue against a real SQLite file made full with {@code PRAGMA max_page_count}: SQLite
 * itself answers {@code SQLITE_FULL}, as it does when the disk is full.
 */
@DisplayName("History writes on a full database")
class HistoryWritesTest {

  @TempDir
  Path dataDir;

  final Vertx vertx = Gateway.newVertx();
  final Context context = vertx.getOrCreateContext();

  @AfterEach
  void tearDown() {
    Await.result(vertx.close());
  }

  /** Runs {@code action} on the queue's event loop, as the archive does. */
  <T> T onContext(Supplier<T> action) {
    Promise<T> result = Promise.promise();
    context.runOnContext(v -> result.complete(action.get()));
    return Await.result(result.future());
  }

  Database db;

  /**
   * For each write as it ran on the database thread, how many groups had been committed before it: writes with the
   * same number went in one transaction, so a count of groups that is off can say how the writes were split.
   */
  final List<Long> groupOfEachWrite = Collections.synchronizedList(new ArrayList<>());

  HistoryWrites.Write insert(String value) {
    return () -> db.run(c -> {
      groupOfEachWrite.add(db.groupsCommitted());
      try (Statement sql = c.createStatement()) {
        sql.executeUpdate("INSERT INTO notes (text) VALUES ('" + value + "')");
      }
      return null;
    });
  }

  /** Opens the database with an empty notes table. */
  void openNotes() {
    db = Await.result(Database.open(vertx, dataDir.resolve("h.db")));
    Await.result(db.run(c -> {
      try (Statement sql = c.createStatement()) {
        sql.execute("CREATE TABLE notes (text TEXT NOT NULL)");
      }
      return null;
    }));
  }

  /** Opens the database with an empty notes table and holds it at its size: SQLite answers SQLITE_FULL to more. */
  void openFullNotes() {
    db = Await.result(Database.open(vertx, dataDir.resolve("h.db")));
    Await.result(db.run(c -> {
      try (Statement sql = c.createStatement()) {
        sql.execute("CREATE TABLE notes (text TEXT NOT NULL)");
        ResultSet pages = sql.executeQuery("PRAGMA page_count");
        pages.next();
        sql.execute("PRAGMA max_page_count = " + pages.getLong(1));
      }
      return null;
    }));
  }

  /** A write the table refuses on its own (a NOT NULL constraint), not for lack of space. */
  HistoryWrites.Write broken() {
    return () -> db.run(c -> {
      try (Statement sql = c.createStatement()) {
        sql.executeUpdate("INSERT INTO notes (text) VALUES (NULL)");
      }
      return null;
    });
  }

  static List<String> notes(Connection c) throws Exception {
    List<String> notes = new ArrayList<>();
    try (Statement sql = c.createStatement(); ResultSet row = sql.executeQuery("SELECT text FROM notes ORDER BY rowid")) {
      while (row.next()) {
        notes.add(row.getString(1).length() > 10 ? "big" : row.getString(1));
      }
    }
    return notes;
  }

  @Test
  @DisplayName("a write refused with SQLITE_FULL waits, with the writes behind it, and all land in order once space returns")
  void fullDatabaseWaitsAndCatchesUp() {
    openFullNotes();
    HistoryWrites writes = onContext(() -> new HistoryWrites(vertx, HistoryWrites::diskRefused, db));
    // Too big for the pages there are (the small one alone would fit): it must not be dropped or skipped.
    Future<Void> big = onContext(() -> writes.submit(() -> "big", insert("x".repeat(20_000))));
    Future<Void> small = onContext(() -> writes.submit(() -> "small", insert("small")));
    Await.result(onContext(() -> {
      Promise<Void> refused = Promise.promise();
      vertx.setPeriodic(5, id -> {
        if (writes.refusal() != null) {
          vertx.cancelTimer(id);
          refused.complete();
        }
      });
      return refused.future();
    }));
    assertThat(onContext(writes::refusal)).contains("SQLITE_FULL");
    assertThat(onContext(writes::waiting)).isEqualTo(2);
    assertThat(big.isComplete()).isFalse();
    assertThat(small.isComplete()).isFalse();
    assertThat(Await.result(db.run(HistoryWritesTest::notes))).isEmpty();

    Await.result(db.run(c -> {
      try (Statement sql = c.createStatement()) {
        sql.execute("PRAGMA max_page_count = 1000000");
      }
      return null;
    }));
    Await.result(onContext(() -> writes.submit(() -> "after", insert("after"))));
    assertThat(big.succeeded()).isTrue();
    assertThat(small.succeeded()).isTrue();
    assertThat(Await.result(db.run(HistoryWritesTest::notes))).containsExactly("big", "small", "after");
    assertThat(onContext(writes::refusal)).isNull();
    assertThat(onContext(writes::waiting)).isZero();
    assertThat(onContext(writes::dropped)).isZero();
  }

  @Test
  @DisplayName("closing writes what waits before it completes, then takes nothing more")
  void closeWritesWhatWaits() {
    openNotes();
    HistoryWrites writes = onContext(() -> new HistoryWrites(vertx, HistoryWrites::diskRefused, db));
    List<Future<Void>> queued = onContext(() -> {
      List<Future<Void>> all = new ArrayList<>();
      for (int i = 0; i < 600; i++) {
        all.add(writes.submit(() -> "note", insert("n")));
      }
      return all;
    });
    Await.result(onContext(() -> writes.close(60_000)));
    assertThat(queued).allMatch(Future::succeeded);
    assertThat(Await.result(db.run(HistoryWritesTest::notes))).hasSize(600);
    Future<Void> late = onContext(() -> writes.submit(() -> "late", insert("late")));
    assertThat(late.failed()).isTrue();
    assertThat(late.cause()).hasMessageContaining("stopping");
  }

  @Test
  @DisplayName("closing while the database refuses writes drops what waits at once, without closing the database under a write")
  void closeDropsWhatTheDatabaseRefuses() {
    openFullNotes();
    HistoryWrites writes = onContext(() -> new HistoryWrites(vertx, HistoryWrites::diskRefused, db));
    Future<Void> big = onContext(() -> writes.submit(() -> "big", insert("x".repeat(20_000))));
    Future<Void> small = onContext(() -> writes.submit(() -> "small", insert("small")));
    // Long enough that only the refusal, not the wait running out, can end the close within the test's time.
    Await.result(onContext(() -> writes.close(600_000)), 10_000);
    assertThat(big.failed()).isTrue();
    assertThat(small.cause()).hasMessageContaining("stopped before it was written");
    assertThat(onContext(writes::waiting)).isZero();
    assertThat(onContext(writes::dropped)).isEqualTo(2);
    assertThat(Await.result(db.run(HistoryWritesTest::notes))).isEmpty();
  }

  @Test
  @DisplayName("while writes wait, new images lose their places first: the last ones are kept for reserved writes (jobs' rows, kept images' final rows)")
  void jobRowsKeepTheLastPlaces() {
    openFullNotes();
    HistoryWrites writes = onContext(() -> new HistoryWrites(vertx, HistoryWrites::diskRefused, db));
    Future<Void> first = onContext(() -> writes.submit(() -> "big", insert("x".repeat(20_000))));
    int imagePlaces = HistoryWrites.MAX_WAITING - HistoryWrites.RESERVED;
    List<Future<Void>> images = onContext(() -> {
      List<Future<Void>> submitted = new ArrayList<>();
      for (int i = 1; i < imagePlaces; i++) {
        submitted.add(writes.submit(() -> "image", insert("i")));
      }
      return submitted;
    });
    assertThat(onContext(writes::hasRoomForImages)).isFalse();
    Future<Void> oneImageMore = onContext(() -> writes.submit(() -> "image", insert("i")));
    assertThat(oneImageMore.failed()).isTrue();
    List<Future<Void>> jobs = onContext(() -> {
      List<Future<Void>> submitted = new ArrayList<>();
      for (int i = 0; i < HistoryWrites.RESERVED; i++) {
        submitted.add(writes.submitReserved(() -> "job", insert("j")));
      }
      return submitted;
    });
    assertThat(jobs).noneMatch(Future::failed);
    assertThat(onContext(() -> writes.submitReserved(() -> "job", insert("j"))).failed()).isTrue();
    assertThat(onContext(writes::waiting)).isEqualTo(HistoryWrites.MAX_WAITING);

    Await.result(db.run(c -> {
      try (Statement sql = c.createStatement()) {
        sql.execute("PRAGMA max_page_count = 1000000");
      }
      return null;
    }));
    Await.result(Future.all(jobs), 60_000);
    assertThat(first.succeeded()).isTrue();
    assertThat(images).allMatch(Future::succeeded);
    assertThat(onContext(writes::hasRoomForImages)).isTrue();
    assertThat(onContext(writes::dropped)).isEqualTo(2);
  }

  @Test
  @DisplayName("a write that fails for another reason is dropped alone and does not hold up the rest")
  void brokenWriteIsDropped() {
    openNotes();
    HistoryWrites writes = onContext(() -> new HistoryWrites(vertx, HistoryWrites::diskRefused));
    Future<Void> broken = onContext(() -> writes.submit(() -> "broken", broken()));
    Await.result(onContext(() -> writes.submit(() -> "fine", insert("fine"))));
    assertThat(broken.failed()).isTrue();
    assertThat(Await.result(db.run(HistoryWritesTest::notes))).containsExactly("fine");
    assertThat(onContext(writes::refusal)).isNull();
    assertThat(onContext(writes::dropped)).isEqualTo(1);
  }

  @Test
  @DisplayName("many writes failing alike are logged once, not once each: a dropped job row fails every image row after it")
  void repeatedFailuresAreLoggedOnce() {
    openNotes();
    HistoryWrites writes = onContext(() -> new HistoryWrites(vertx, HistoryWrites::diskRefused));
    LogCapture log = new LogCapture().start();
    try {
      List<Future<Void>> broken = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        int n = i;
        broken.add(onContext(() -> writes.submit(() -> "broken " + n, broken())));
      }
      Await.result(onContext(() -> writes.submit(() -> "fine", insert("fine"))));
      assertThat(broken).allMatch(Future::failed);
      assertThat(onContext(writes::dropped)).isEqualTo(50);
      assertThat(log.lines().stream().filter(line -> line.contains("history: could not broken"))).hasSize(1);
    } finally {
      log.stop();
    }
  }

  @Test
  @DisplayName("writes waiting together go to SQLite together: one transaction per group, in order, a broken one dropped alone")
  void waitingWritesAreGrouped() {
    openNotes();
    HistoryWrites writes = onContext(() -> new HistoryWrites(vertx, HistoryWrites::diskRefused, db));
    // Submitted in one turn of the event loop, as a busy relay does: the first goes alone, the rest wait for
    // it and then go in groups of up to MAX_GROUP.
    List<Future<Void>> all = onContext(() -> {
      List<Future<Void>> submitted = new ArrayList<>();
      for (int i = 0; i < 600; i++) {
        int note = i;
        submitted.add(i % 100 == 50
          ? writes.submit(() -> "broken " + note, broken())
          : writes.submit(() -> "note " + note, insert(String.valueOf(i))));
      }
      return submitted;
    });
    Await.result(Future.join(all).otherwiseEmpty());
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      if (i % 100 != 50) {
        expected.add(String.valueOf(i));
      }
    }
    assertThat(Await.result(db.run(HistoryWritesTest::notes))).containsExactlyElementsOf(expected);
    assertThat(all.stream().filter(Future::failed)).hasSize(6);
    assertThat(onContext(writes::dropped)).isEqualTo(6);
    Map<Long, Long> sizes = groupOfEachWrite.stream().collect(Collectors.groupingBy(g -> g, TreeMap::new, Collectors.counting()));
    assertThat(db.groupsCommitted()).as("transactions for 600 writes (writes per group: %s)", sizes.values()).isBetween(3L, 5L);
  }
}
