package dev.seedstream.store;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;

import static org.assertj.core.api.Assertions.assertThat;

/** Deletion and retention on a real SQLite file: oldest first, running jobs kept, shared files kept. */
@DisplayName("History pruning")
class HistoryPrunerTest {

  @TempDir
  Path dir;

  Connection c;
  BlobFiles files;
  HistoryPruner pruner;

  @BeforeEach
  void setUp() throws Exception {
    c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("h.db"));
    c.createStatement().execute("PRAGMA foreign_keys=ON");
    SchemaMigrations.migrate(c);
    files = new BlobFiles(null, dir);
    pruner = new HistoryPruner(files);
  }

  @AfterEach
  void tearDown() throws Exception {
    c.close();
  }

  /** A finished (or running) job created at {@code created} with one stored image of {@code bytes} bytes. */
  Path job(String id, long created, String sha, long bytes, boolean finished) throws Exception {
    JobRows.insert(c, new JobRecord(id, "alice", "p", "m", new JsonObject(), 1, created));
    if (finished) {
      JobRows.finish(c, id, "completed", new JsonObject(), new JsonArray(), created + 1);
    }
    ImageRows.insert(c, StoredImage.pending(id, 0, "2048x2048", null, 0, created));
    Path temp = files.newTempFile();
    Files.write(temp, new byte[(int) bytes]);
    files.commit(new Blob(temp, sha, 0, bytes, "jpeg"));
    ImageRows.markStored(c, id, 0, new Blob(temp, sha, 0, bytes, "jpeg"), created);
    return files.path(sha, "jpeg");
  }

  static String sha(char c) {
    return String.valueOf(c).repeat(64);
  }

  @Test
  @DisplayName("the byte budget removes the oldest finished jobs first, and never a running one")
  void bytesOldestFirst() throws Exception {
    Path oldest = job("a", 1000, sha('a'), 100, true);
    job("b", 2000, sha('b'), 100, true);
    job("c", 3000, sha('c'), 100, false);
    Path newest = job("d", 4000, sha('d'), 100, true);
    assertThat(pruner.retain(c, 0, 250, 5000)).containsExactly("a", "b");
    assertThat(oldest).doesNotExist();
    assertThat(newest).exists();
    assertThat(JobRows.find(c, "c", null)).isPresent();
    assertThat(ImageRows.storedBytes(c)).isEqualTo(200);
  }

  @Test
  @DisplayName("the age limit removes every finished job older than it")
  void byAge() throws Exception {
    job("a", 1000, sha('a'), 10, true);
    job("b", 2000, sha('b'), 10, true);
    job("c", 9000, sha('c'), 10, true);
    assertThat(pruner.retain(c, 5000, 0, 10_000)).containsExactly("a", "b");
    assertThat(JobRows.find(c, "c", null)).isPresent();
  }

  @Test
  @DisplayName("a file two jobs share stays until the second is deleted; bytes on disk count it once")
  void sharedFile() throws Exception {
    Path shared = job("a", 1000, sha('e'), 100, true);
    job("b", 2000, sha('e'), 100, true);
    assertThat(ImageRows.storedBytes(c)).isEqualTo(100);
    assertThat(pruner.delete(c, "a")).isTrue();
    assertThat(shared).exists();
    assertThat(pruner.delete(c, "b")).isTrue();
    assertThat(shared).doesNotExist();
    assertThat(pruner.delete(c, "b")).isFalse();
  }

  @Test
  @DisplayName("migrations run once and record the schema version")
  void migrationsAreVersioned() throws Exception {
    SchemaMigrations.migrate(c);
    assertThat(SchemaMigrations.version(c)).isEqualTo(SchemaMigrations.latest());
  }
}
