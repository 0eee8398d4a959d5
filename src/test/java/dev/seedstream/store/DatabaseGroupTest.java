package dev.seedstream.store;

import dev.seedstream.Gateway;
import dev.seedstream.support.Await;
import dev.seedstream.support.SchedulingPolicy;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One transaction for a group of writes, each inside its own savepoint, against a real SQLite file: a piece
 * that fails is undone alone, a failure of the database undoes the whole group, and the connection goes on.
 */
@DisplayName("Grouped database writes")
class DatabaseGroupTest {

  @TempDir
  Path dataDir;

  final Vertx vertx = Gateway.newVertx();
  final Context context = vertx.getOrCreateContext();
  Database db;

  @BeforeEach
  void open() {
    db = Await.result(Database.open(vertx, dataDir.resolve("group.db")));
    Await.result(db.run(c -> {
      try (Statement sql = c.createStatement()) {
        sql.execute("CREATE TABLE notes (text TEXT PRIMARY KEY)");
      }
      return null;
    }));
  }

  @AfterEach
  void tearDown() {
    Await.result(db.close());
    Await.result(vertx.close());
  }

  /** A piece that inserts each of {@code texts} in turn: a repeated text fails the piece on the primary key. */
  Database.Work<Void> insert(String... texts) {
    return c -> {
      try (Statement sql = c.createStatement()) {
        for (String text : texts) {
          sql.executeUpdate("INSERT INTO notes (text) VALUES ('" + text + "')");
        }
      }
      return null;
    };
  }

  /** Submits {@code pieces} as one group from the event loop; returns each piece's outcome. */
  @SafeVarargs
  final List<Future<Void>> group(java.util.function.Predicate<Throwable> disk, Database.Work<Void>... pieces) {
    Promise<List<Future<Void>>> submitted = Promise.promise();
    context.runOnContext(v -> {
      List<Future<Void>> outcomes = new ArrayList<>();
      db.group(() -> {
        for (Database.Work<Void> piece : pieces) {
          outcomes.add(db.run(piece));
        }
      }, disk);
      submitted.complete(outcomes);
    });
    List<Future<Void>> outcomes = Await.result(submitted.future());
    // Every outcome settles once the group's transaction has ended, failed or not.
    outcomes.forEach(outcome -> Await.result(outcome.transform(settled -> Future.succeededFuture())));
    return outcomes;
  }

  List<String> notes() {
    return Await.result(db.run(c -> {
      List<String> texts = new ArrayList<>();
      try (Statement sql = c.createStatement(); ResultSet rows = sql.executeQuery("SELECT text FROM notes ORDER BY text")) {
        while (rows.next()) {
          texts.add(rows.getString(1));
        }
      }
      return texts;
    }));
  }

  @Test
  void aFailingPieceIsUndoneAloneAndTheOthersLand() {
    List<Future<Void>> outcomes = group(e -> false, insert("a"), insert("b", "a"), insert("c"));

    assertThat(outcomes.get(0).succeeded()).isTrue();
    assertThat(outcomes.get(1).failed()).isTrue();
    assertThat(outcomes.get(1).cause()).isInstanceOf(SQLException.class).hasMessageContaining("UNIQUE");
    assertThat(outcomes.get(2).succeeded()).isTrue();
    // "b" went in before its piece failed: the piece's savepoint took it back out.
    assertThat(notes()).containsExactly("a", "c");
    assertThat(db.groupsCommitted()).isEqualTo(1);
  }

  @Test
  void aDatabaseFailureUndoesTheWholeGroupAndLaterGroupsStillLand() {
    List<Future<Void>> outcomes = group(e -> true, insert("a"), insert("b", "a"), insert("c"));

    assertThat(outcomes).allSatisfy(outcome -> assertThat(outcome.failed()).isTrue());
    assertThat(notes()).isEmpty();
    assertThat(db.groupsCommitted()).isZero();

    List<Future<Void>> next = group(e -> false, insert("d"), insert("e"));
    assertThat(next).allSatisfy(outcome -> assertThat(outcome.succeeded()).isTrue());
    assertThat(notes()).containsExactly("d", "e");
  }

  @Test
  void manyPiecesShareOneSavepointNameOneAfterAnother() {
    List<Database.Work<Void>> pieces = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      pieces.add(insert(i % 3 == 2 ? "n" + (i - 1) : "n" + i));
    }
    @SuppressWarnings("unchecked")
    List<Future<Void>> outcomes = group(e -> false, pieces.toArray(new Database.Work[0]));

    assertThat(outcomes.stream().filter(Future::failed).count()).isEqualTo(100);
    assertThat(notes()).hasSize(200);
  }

  @Test
  @DisplayName("opening the database leaves Vert.x's event loops out of the idle class its own thread runs in")
  void eventLoopsAreNotIdle() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/chrt")), "Linux with chrt: the idle class exists");
    // The database's thread completed the opening on an event loop that had not run yet; started by that
    // thread, the loop would have inherited its class and waited for idle cores (tests timed out under load).
    List<Future<Integer>> policies = new ArrayList<>();
    for (var loop : ((VertxInternal) vertx).eventLoopGroup()) {
      Promise<Integer> policy = Promise.promise();
      loop.execute(() -> {
        try {
          policy.complete(SchedulingPolicy.current());
        } catch (RuntimeException e) {
          policy.fail(e);
        }
      });
      policies.add(policy.future());
    }
    Await.result(Future.all(policies));
    assertThat(policies).extracting(Future::result).isNotEmpty().doesNotContain(SchedulingPolicy.IDLE);
  }
}
