package dev.seedstream.store;

import dev.seedstream.config.ConfigException;
import dev.seedstream.config.ConfigLoader;
import dev.seedstream.config.StoreSettings;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * {@code migrate-store}: copies a single-node install (the SQLite history and the image files in the data dir)
 * into PostgreSQL and/or an S3-compatible bucket, so gateways sharing them start with its history. Rows keep
 * their ids and are inserted only where absent, and blobs (named by sha256) are uploaded only where absent, so
 * the command can be stopped at any point and run again: it resumes where it stopped and copies nothing twice.
 * Jobs go in batches, oldest first; each batch's blobs are uploaded before its rows, so no copied row ever
 * points at a blob the bucket lacks. A command-line tool: it blocks its own thread, never an event loop.
 */
public final class StoreMigration {

  static final String USAGE = "usage: migrate-store [--to-database postgresql://user@host:port/db]"
    + " [--to-blobs s3://bucket/prefix?endpoint=…] [--max-jobs N]  (the targets default to SEEDSTREAM_DATABASE_URL"
    + " and SEEDSTREAM_BLOB_URL; the source is SEEDSTREAM_DATA_DIR)";
  private static final int BATCH = 100;
  private static final long WAIT_MS = 120_000;
  /** A line at least this often while blobs upload, so a batch of large images does not look like a hang. */
  private static final long PROGRESS_EVERY_NANOS = TimeUnit.SECONDS.toNanos(5);

  private final StoreSettings settings;
  private final PrintStream out;
  private final long maxJobs;
  private final BlobFiles source;
  private PostgresHistory target;
  private Pool history;
  private S3Blobs bucket;

  private long totalJobs;
  private long totalImages;
  private long jobsSeen;
  private long imagesSeen;
  private long jobsAdded;
  private long imagesAdded;
  private long blobsUploaded;
  private long blobsPresent;
  private long blobsMissing;
  private long bytesUploaded;
  private long lastLine = System.nanoTime();
  private final Set<String> blobsDone = new HashSet<>();

  private StoreMigration(Vertx vertx, StoreSettings settings, PrintStream out, long maxJobs) {
    this.settings = settings;
    this.out = out;
    this.maxJobs = maxJobs;
    this.source = new BlobFiles(vertx, settings.dataDir());
  }

  /**
   * Runs the command: {@code args} without the word {@code migrate-store}; {@code env} the process environment
   * (passwords and keys are read from it only). Returns the exit status: 0 when everything was copied (or the
   * {@code --max-jobs} limit reached), 1 with the reason otherwise.
   */
  public static int run(List<String> args, Map<String, String> env, PrintStream out) {
    Map<String, String> settingsEnv = new HashMap<>(env);
    long maxJobs = Long.MAX_VALUE;
    try {
      for (int i = 0; i < args.size(); i++) {
        String arg = args.get(i);
        String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
        String value = arg.contains("=") ? arg.substring(arg.indexOf('=') + 1) : i + 1 < args.size() ? args.get(++i) : null;
        if (value == null || value.isEmpty()) {
          throw new IllegalArgumentException(name + " needs a value");
        }
        switch (name) {
          case "--to-database" -> settingsEnv.put("SEEDSTREAM_DATABASE_URL", value);
          case "--to-blobs" -> settingsEnv.put("SEEDSTREAM_BLOB_URL", value);
          case "--max-jobs" -> maxJobs = Long.parseLong(value);
          default -> throw new IllegalArgumentException("unknown option " + name);
        }
      }
      if (maxJobs < 1) {
        throw new IllegalArgumentException("--max-jobs must be at least 1");
      }
    } catch (IllegalArgumentException e) {
      out.println("migrate-store: " + e.getMessage());
      out.println(USAGE);
      return 1;
    }
    StoreSettings settings;
    try {
      settings = ConfigLoader.load(settingsEnv).store();
    } catch (ConfigException e) {
      out.println("migrate-store: configuration error: " + e.getMessage());
      return 1;
    }
    if (settings.database() == null && settings.blobs() == null) {
      out.println("migrate-store: nothing to copy to: give --to-database and/or --to-blobs (or set "
        + "SEEDSTREAM_DATABASE_URL / SEEDSTREAM_BLOB_URL)");
      out.println(USAGE);
      return 1;
    }
    Path file = settings.dataDir().resolve("seedstream.db");
    if (!Files.isRegularFile(file)) {
      out.println("migrate-store: no history to copy: " + file.toAbsolutePath() + " does not exist (set SEEDSTREAM_DATA_DIR)");
      return 1;
    }
    Vertx vertx = Vertx.vertx();
    StoreMigration migration = new StoreMigration(vertx, settings, out, maxJobs);
    try {
      out.println("migrate-store: from " + settings.dataDir().toAbsolutePath() + " to "
        + (settings.database() == null ? "" : "history " + settings.database())
        + (settings.database() != null && settings.blobs() != null ? ", " : "")
        + (settings.blobs() == null ? "" : "images " + settings.blobs()));
      migration.copy(vertx, file);
      return 0;
    } catch (Exception e) {
      out.println("migrate-store: failed after " + migration.progress() + ": " + reason(e));
      out.println("migrate-store: nothing copied is lost; run the same command again to resume");
      return 1;
    } finally {
      migration.close(vertx);
    }
  }

  private void copy(Vertx vertx, Path file) throws Exception {
    if (settings.database() != null) {
      target = await(PostgresHistory.open(vertx, settings.database(), source));
      history = target.pool();
    }
    if (settings.blobs() != null) {
      bucket = new S3Blobs(vertx, settings.blobs(), settings.dataDir());
      await(bucket.check());
    }
    try (Connection sqlite = DriverManager.getConnection("jdbc:sqlite:" + file.toAbsolutePath())) {
      // An older data dir is brought to the current schema first, as the gateway itself would at start-up.
      SchemaMigrations.migrate(sqlite);
      totalJobs = count(sqlite, "jobs");
      totalImages = count(sqlite, "images");
      long created = Long.MIN_VALUE;
      String id = "";
      while (jobsSeen < maxJobs) {
        List<Map<String, Object>> jobs = jobsAfter(sqlite, created, id, (int) Math.min(BATCH, maxJobs - jobsSeen));
        if (jobs.isEmpty()) {
          out.println("migrate-store: done: " + progress());
          return;
        }
        List<Map<String, Object>> images = imagesOf(sqlite, jobs);
        if (bucket != null) {
          uploadBlobs(images);
        }
        if (history != null) {
          jobsAdded += insert("jobs", "id", jobs);
          imagesAdded += insert("images", "job_id, image_index", images);
        }
        jobsSeen += jobs.size();
        imagesSeen += images.size();
        Map<String, Object> last = jobs.get(jobs.size() - 1);
        created = ((Number) last.get("created")).longValue();
        id = (String) last.get("id");
        line();
      }
      out.println("migrate-store: stopped at --max-jobs " + maxJobs + ": " + progress()
        + "; run again to copy the rest");
    }
  }

  private static long count(Connection sqlite, String table) throws SQLException {
    try (var sql = sqlite.createStatement(); ResultSet row = sql.executeQuery("SELECT COUNT(*) FROM " + table)) {
      return row.next() ? row.getLong(1) : 0;
    }
  }

  /** The next jobs in (created, id) order: the order is stable, so each run walks the history the same way. */
  private static List<Map<String, Object>> jobsAfter(Connection sqlite, long created, String id, int limit)
    throws SQLException {
    try (PreparedStatement sql = sqlite.prepareStatement("SELECT * FROM jobs WHERE created > ? OR (created = ? AND id > ?)"
      + " ORDER BY created, id LIMIT ?")) {
      sql.setLong(1, created);
      sql.setLong(2, created);
      sql.setString(3, id);
      sql.setInt(4, limit);
      return rows(sql);
    }
  }

  private static List<Map<String, Object>> imagesOf(Connection sqlite, List<Map<String, Object>> jobs)
    throws SQLException {
    String marks = String.join(", ", java.util.Collections.nCopies(jobs.size(), "?"));
    try (PreparedStatement sql = sqlite.prepareStatement("SELECT * FROM images WHERE job_id IN (" + marks + ")"
      + " ORDER BY job_id, image_index")) {
      for (int i = 0; i < jobs.size(); i++) {
        sql.setString(i + 1, (String) jobs.get(i).get("id"));
      }
      return rows(sql);
    }
  }

  /** Each row by column name, in the table's column order; integers as longs (PostgreSQL's columns are BIGINT). */
  private static List<Map<String, Object>> rows(PreparedStatement sql) throws SQLException {
    List<Map<String, Object>> rows = new ArrayList<>();
    try (ResultSet result = sql.executeQuery()) {
      ResultSetMetaData columns = result.getMetaData();
      while (result.next()) {
        Map<String, Object> row = new java.util.LinkedHashMap<>();
        for (int c = 1; c <= columns.getColumnCount(); c++) {
          Object value = result.getObject(c);
          row.put(columns.getColumnName(c), value instanceof Number n ? (Object) n.longValue() : value);
        }
        rows.add(row);
      }
    }
    return rows;
  }

  /** Uploads the batch's blobs the bucket lacks, each sha256 once; a file missing from the data dir is reported, not fatal. */
  private void uploadBlobs(List<Map<String, Object>> images) throws IOException {
    for (Map<String, Object> image : images) {
      String sha256 = (String) image.get("sha256");
      String format = (String) image.get("format");
      if (sha256 == null || format == null || !blobsDone.add(sha256 + "." + format)) {
        continue;
      }
      Path file = source.path(sha256, format);
      if (!Files.isRegularFile(file)) {
        blobsMissing++;
        out.println("migrate-store: image " + image.get("job_id") + "/" + image.get("image_index") + " has no file "
          + file + "; its row is copied as it is");
        continue;
      }
      if (bucket.exists(sha256, format)) {
        blobsPresent++;
        continue;
      }
      long size = Files.size(file);
      Object crc32 = image.get("crc32");
      bucket.put(new Blob(file, sha256, crc32 == null ? 0 : (Long) crc32, size, format));
      blobsUploaded++;
      bytesUploaded += size;
      if (System.nanoTime() - lastLine > PROGRESS_EVERY_NANOS) {
        line();
      }
    }
  }

  /** Inserts the rows the target lacks; returns how many it lacked. */
  private long insert(String table, String key, List<Map<String, Object>> rows) throws Exception {
    if (rows.isEmpty()) {
      return 0;
    }
    List<String> columns = new ArrayList<>(rows.get(0).keySet());
    List<String> marks = new ArrayList<>();
    for (int i = 1; i <= columns.size(); i++) {
      marks.add("$" + i);
    }
    List<Tuple> tuples = new ArrayList<>();
    for (Map<String, Object> row : rows) {
      Tuple tuple = Tuple.tuple();
      columns.forEach(column -> tuple.addValue(row.get(column)));
      tuples.add(tuple);
    }
    String sql = "INSERT INTO " + table + " (" + String.join(", ", columns) + ") VALUES (" + String.join(", ", marks)
      + ") ON CONFLICT (" + key + ") DO NOTHING";
    RowSet<?> result = await(history.withTransaction(c -> c.preparedQuery(sql).executeBatch(tuples)));
    long added = 0;
    for (RowSet<?> each = result; each != null; each = each.next()) {
      added += each.rowCount();
    }
    return added;
  }

  private void line() {
    out.println("migrate-store: " + progress());
    lastLine = System.nanoTime();
  }

  private String progress() {
    StringBuilder line = new StringBuilder(String.format("%,d/%,d jobs, %,d/%,d images", jobsSeen, totalJobs,
      imagesSeen, totalImages));
    if (history != null) {
      line.append(String.format(" (%,d jobs and %,d images new to the database)", jobsAdded, imagesAdded));
    }
    if (bucket != null) {
      line.append(String.format(", %s uploaded in %,d blobs (%,d already in the bucket", size(bytesUploaded),
        blobsUploaded, blobsPresent)).append(blobsMissing > 0 ? String.format(", %,d missing", blobsMissing) : "")
        .append(")");
    }
    return line.toString();
  }

  private static String size(long bytes) {
    return bytes >= 1_000_000_000L ? String.format("%.1f GB", bytes / 1e9) : String.format("%.1f MB", bytes / 1e6);
  }

  private void close(Vertx vertx) {
    try {
      if (bucket != null) {
        await(bucket.close());
      }
      if (target != null) {
        await(target.close());
      }
    } catch (Exception e) {
      // Closing after the work is done or has failed: the result stands either way.
    }
    try {
      await(vertx.close());
    } catch (Exception e) {
      // As above: the pools go with the process.
    }
  }

  private static <T> T await(Future<T> future) throws Exception {
    try {
      return future.toCompletionStage().toCompletableFuture().get(WAIT_MS, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  private static String reason(Throwable e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
