package dev.seedstream.store;

import dev.seedstream.Gateway;
import dev.seedstream.support.Await;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * After a burst in which the history dropped job rows (its queue was full), each of those jobs still finishes
 * and finds no row. That is one condition repeated per job: one warning for it, not one per job.
 */
@DisplayName("Jobs finishing without a history row")
class MissingJobRowTest {

  @TempDir
  Path dataDir;

  final Vertx vertx = Gateway.newVertx();
  final List<String> warnings = new ArrayList<>();
  final Logger log = Logger.getLogger(SqliteHistory.class.getName());
  final Handler capture = new Handler() {
    @Override
    public synchronized void publish(LogRecord record) {
      warnings.add(record.getMessage());
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
  };

  @AfterEach
  void tearDown() {
    log.removeHandler(capture);
    Await.result(vertx.close());
  }

  @Test
  void aThousandJobsWithoutTheirRowLogOneWarning() {
    Database db = Await.result(Database.open(vertx, dataDir.resolve("history.db")));
    SqliteHistory history = new SqliteHistory(vertx, db, null);
    log.addHandler(capture);
    for (int i = 0; i < 1_000; i++) {
      Await.result(history.finishJob("job-" + i, "succeeded", new JsonObject(), new JsonArray(),
        new Spend("CNY", 0L, 0), System.currentTimeMillis()));
    }
    Await.result(db.close());
    synchronized (capture) {
      assertThat(warnings).hasSize(1);
      assertThat(warnings.get(0)).contains("job job-0 finished, but the history has no row for it")
        .contains("seedstream_store_failures_total{reason=\"database\"}");
    }
  }
}
