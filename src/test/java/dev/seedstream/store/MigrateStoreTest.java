package dev.seedstream.store;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code migrate-store} on a real single-node install (a gateway's own SQLite history and image files) into a
 * real PostgreSQL and a real S3-compatible bucket: a gateway on the copies lists the same jobs and serves the
 * same bytes, a second run copies nothing, and a run stopped half-way resumes where it stopped.
 */
class MigrateStoreTest {

  @TempDir
  Path source;
  @TempDir
  Path shared;

  private HistoryFixture gw;

  @AfterEach
  void close() {
    if (gw != null) {
      gw.close();
    }
  }

  private record Run(int status, String output) {
  }

  private Run migrate(Map<String, String> env, String... args) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    int status = StoreMigration.run(List.of(args), env, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    String output = bytes.toString(StandardCharsets.UTF_8);
    System.out.print(output);
    return new Run(status, output);
  }

  /** Job ids newest first, and each image's bytes by its durable path. */
  private static List<String> listed(HistoryFixture gw) {
    return gw.get("/api/generations?limit=100").json().getJsonArray("generations").stream()
      .map(job -> ((JsonObject) job).getString("id")).toList();
  }

  @Test
  @DisplayName("copies an SQLite history and its files into PostgreSQL and S3: same jobs, same bytes; again copies nothing; stopped, it resumes")
  void copiesResumesAndIsIdempotent() {
    if (TestPostgres.enabled() || TestS3.enabled()) {
      return; // The source must be SQLite and files: the default execution runs this test.
    }
    gw = new HistoryFixture(source);
    Map<String, byte[]> served = new LinkedHashMap<>();
    int[] sizes = {2, 1, 3};
    for (int job = 0; job < sizes.length; job++) {
      String id = HistoryFixture.jobId(gw.run(HistoryFixture.body("migrated " + job, sizes[job], "")));
      gw.settled(id, sizes[job]);
      for (int i = 0; i < sizes[job]; i++) {
        var image = gw.get("/api/images/" + id + "/" + i);
        assertThat(image.status()).isEqualTo(200);
        served.put("/api/images/" + id + "/" + i, image.body().getBytes());
      }
    }
    List<String> jobs = listed(gw);
    assertThat(jobs).hasSize(3);
    gw.close();
    gw = null;

    String database = TestPostgres.urlFor(shared);
    Map<String, String> s3 = TestS3.envFor(shared);
    Map<String, String> env = new HashMap<>(s3);
    env.remove("SEEDSTREAM_BLOB_URL");
    env.put("SEEDSTREAM_DATA_DIR", source.toString());
    String[] targets = {"--to-database", database, "--to-blobs", s3.get("SEEDSTREAM_BLOB_URL")};

    // Stopped after the oldest job: that job and its blobs are there, the rest not yet.
    List<String> limited = new ArrayList<>(List.of(targets));
    limited.addAll(List.of("--max-jobs", "1"));
    Run first = migrate(env, limited.toArray(String[]::new));
    assertThat(first.status()).isZero();
    assertThat(first.output()).contains("1/3 jobs, 2/6 images", "run again to copy the rest");
    Map<String, String> onShared = new HashMap<>(s3);
    onShared.put("SEEDSTREAM_DATABASE_URL", database);
    Path fresh = shared.resolve("node-b");
    gw = new HistoryFixture(fresh, onShared, UnaryOperator.identity());
    assertThat(listed(gw)).containsExactly(jobs.get(2));
    gw.close();
    gw = null;

    Run rest = migrate(env, targets);
    assertThat(rest.status()).isZero();
    assertThat(rest.output()).contains("done: 3/3 jobs, 6/6 images (2 jobs and 4 images new to the database)");

    Run again = migrate(env, targets);
    assertThat(again.status()).isZero();
    assertThat(again.output()).contains("done: 3/3 jobs, 6/6 images (0 jobs and 0 images new to the database)",
      "0.0 MB uploaded in 0 blobs");

    // A gateway with no files of its own: everything it lists and serves comes from PostgreSQL and the bucket.
    gw = new HistoryFixture(fresh, onShared, UnaryOperator.identity());
    assertThat(listed(gw)).isEqualTo(jobs);
    served.forEach((path, bytes) -> {
      var image = gw.get(path);
      assertThat(image.status()).as(path).isEqualTo(200);
      assertThat(image.body().getBytes()).as(path).isEqualTo(bytes);
    });
  }

  @Test
  @DisplayName("without a target, or with a bucket that does not answer, it exits 1 with the reason")
  void failsClearly() {
    if (TestPostgres.enabled() || TestS3.enabled()) {
      return; // The source must be SQLite and files: the default execution runs this test.
    }
    Map<String, String> env = Map.of("SEEDSTREAM_DATA_DIR", source.toString());
    Run none = migrate(env);
    assertThat(none.status()).isEqualTo(1);
    assertThat(none.output()).contains("nothing to copy to");

    Run noHistory = migrate(env, "--to-blobs", "s3://b?endpoint=http://127.0.0.1:9");
    assertThat(noHistory.status()).isEqualTo(1);
    assertThat(noHistory.output()).contains("no history to copy");

    gw = new HistoryFixture(source);
    gw.close();
    gw = null;
    Run down = migrate(Map.of("SEEDSTREAM_DATA_DIR", source.toString(), "AWS_ACCESS_KEY_ID", "k",
      "AWS_SECRET_ACCESS_KEY", "s"), "--to-blobs", "s3://b?endpoint=http://127.0.0.1:9&path_style=true");
    assertThat(down.status()).isEqualTo(1);
    assertThat(down.output()).contains("does not answer", "run the same command again to resume");

    Run typo = migrate(env, "--to-databse", "x");
    assertThat(typo.status()).isEqualTo(1);
    assertThat(typo.output()).contains("unknown option --to-databse", "usage: migrate-store");
  }
}
