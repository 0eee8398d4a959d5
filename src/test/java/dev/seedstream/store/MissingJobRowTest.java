package dev.seedstream.store;

import dev.seedstream.support.Await;
import io.vertx.core.Promise;
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

  HistoryFixture gw;
  final List<String> warnings = new ArrayList<>();
  final Logger log = Logger.getLogger(ImageArchive.class.getName());
  final Handler capture = new Handler() {
    @Override
    public synchronized void publish(LogRecord record) {
      if (record.getMessage().contains("has no row")) {
        warnings.add(record.getMessage());
      }
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
    if (gw != null) {
      gw.close();
    }
  }

  @Test
  void aThousandJobsWithoutTheirRowLogOneWarning() {
    gw = new HistoryFixture(dataDir);
    ImageArchive archive = gw.gateway.verticle().archive();
    log.addHandler(capture);
    Promise<Void> finished = Promise.promise();
    archive.context.runOnContext(v -> {
      for (int i = 0; i < 1_000; i++) {
        archive.jobFinished("job-" + i, "succeeded", new JsonObject(), new JsonArray(), new Spend("CNY", 0L, 0));
      }
      finished.complete();
    });
    Await.result(finished.future());
    Await.result(gw.when(() -> gw.get("/metrics").body().toString().contains("seedstream_store_unrecorded_writes 0.0")),
      20_000);
    synchronized (capture) {
      assertThat(warnings).hasSize(1);
      assertThat(warnings.get(0)).contains("job job-0 finished, but the history has no row for it")
        .contains("seedstream_store_failures_total{reason=\"database\"}");
    }
  }
}
