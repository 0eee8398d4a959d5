package dev.seedstream.store;

import dev.seedstream.config.DatabaseUrl;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.core.net.NetClientOptions;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.SqlConnection;
import io.vertx.sqlclient.Tuple;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The history in PostgreSQL, shared by every gateway pointed at it: the reactive client, a bounded pool, the
 * same schema and answers as {@link SqliteHistory}. What SQLite gets from its single thread, several
 * gateways get from advisory locks: one gateway migrates while the others wait; retention runs on one at a
 * time (the others skip that round); a blob is deleted and recorded under one lock, so neither happens
 * half-way through the other. Each gateway holds a lock on its own node id for as long as it runs, on a
 * connection of its own: a job whose node holds none was left running by a gateway that stopped, and is
 * marked interrupted (at start-up and with each retention round).
 */
final class PostgresHistory implements HistoryDatabase {

  private static final Logger LOG = Logger.getLogger(PostgresHistory.class.getName());
  /** The first key of every advisory lock the gateway takes: "seed". */
  private static final int LOCKS = 0x5EED;
  private static final int MIGRATION_LOCK = 1;
  private static final int RETENTION_LOCK = 2;
  private static final int BLOB_LOCK = 3;
  /** The first key of the lock each running gateway holds on its node id. */
  private static final int NODES = 0x5EED0;
  private static final int POOL_SIZE = 8;
  private static final int MAX_WAITING_FOR_POOL = 1_000;
  private static final int CONNECT_TIMEOUT_MS = 5_000;
  private static final int BATCH = 500;
  private static final String ALIVE = "SELECT objid::bigint FROM pg_locks WHERE locktype = 'advisory' AND classid = "
    + NODES + " AND objsubid = 2 AND granted";

  private final Vertx vertx;
  private final Pool pool;
  /** One connection, held: the node lock lives as long as it does. */
  private final Pool lockPool;
  private final BlobStore files;
  private final int node;
  /** Holds the node lock; replaced when it drops, so other gateways do not take this one's jobs for stopped. */
  private SqlConnection nodeLock;
  private boolean closed;

  private PostgresHistory(Vertx vertx, Pool pool, Pool lockPool, BlobStore files, int node) {
    this.vertx = vertx;
    this.pool = pool;
    this.lockPool = lockPool;
    this.files = files;
    this.node = node;
  }

  static Future<PostgresHistory> open(Vertx vertx, DatabaseUrl url, BlobStore files) {
    PgConnectOptions connect = new PgConnectOptions().setHost(url.host()).setPort(url.port())
      .setDatabase(url.database()).setUser(url.user()).setReconnectAttempts(0);
    if (url.password() != null) {
      connect.setPassword(url.password());
    }
    NetClientOptions net = new NetClientOptions().setConnectTimeout(CONNECT_TIMEOUT_MS);
    Pool pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(POOL_SIZE).setMaxWaitQueueSize(MAX_WAITING_FOR_POOL)
      .setConnectionTimeout(CONNECT_TIMEOUT_MS).setConnectionTimeoutUnit(TimeUnit.MILLISECONDS))
      .with(net).connectingTo(connect).using(vertx).build();
    Pool lockPool = PgBuilder.pool().with(new PoolOptions().setMaxSize(1)).with(net).connectingTo(connect).using(vertx)
      .build();
    int node = new SecureRandom().nextInt(Integer.MAX_VALUE - 1) + 1;
    PostgresHistory history = new PostgresHistory(vertx, pool, lockPool, files, node);
    return history.migrate().compose(v -> history.holdNodeLock()).map(history)
      .recover(e -> history.close().transform(closed -> Future.failedFuture(e)));
  }

  // ----------------------------------------------------------------- schema

  private Future<Void> migrate() {
    List<List<String>> steps = SchemaMigrations.postgresSteps();
    return pool.withTransaction(c -> c.query("SELECT pg_advisory_xact_lock(" + LOCKS + ", " + MIGRATION_LOCK + ")")
      .execute()
      .compose(v -> c.query("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY,"
        + " applied BIGINT NOT NULL)").execute())
      .compose(v -> c.query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").execute())
      .compose(rows -> {
        int version = rows.iterator().next().getLong(0).intValue();
        if (version > steps.size()) {
          return Future.failedFuture(new IllegalStateException("the history database has schema version " + version
            + ", newer than this gateway knows (" + steps.size() + "); use a newer gateway or another database"));
        }
        Future<Void> applied = Future.succeededFuture();
        for (int step = version; step < steps.size(); step++) {
          int number = step + 1;
          for (String statement : steps.get(step)) {
            applied = applied.compose(v -> c.query(statement).execute().mapEmpty());
          }
          applied = applied.compose(v -> c.preparedQuery("INSERT INTO schema_migrations (version, applied) VALUES ($1, $2)")
            .execute(Tuple.of((long) number, System.currentTimeMillis())).mapEmpty());
        }
        return applied;
      }));
  }

  /** The pool itself, for copying an SQLite history in ({@link StoreMigration}). */
  Pool pool() {
    return pool;
  }

  /** Rows in the migration history: one per step applied, whichever gateway applied it. */
  Future<Integer> migrationsApplied() {
    return pool.query("SELECT COUNT(*) FROM schema_migrations").execute()
      .map(rows -> rows.iterator().next().getLong(0).intValue());
  }

  @Override
  public int schemaVersion() {
    return SchemaMigrations.latest();
  }

  private Future<Void> holdNodeLock() {
    return lockPool.getConnection().compose(c -> c.query("SELECT pg_advisory_lock(" + NODES + ", " + node
      + ")").execute().map(c)).onSuccess(c -> {
        nodeLock = c;
        c.closeHandler(v -> {
          if (!closed) {
            LOG.warning("history: lost the connection that shows this gateway is running; reconnecting");
            vertx.setTimer(1_000, t -> retryNodeLock());
          }
        });
      }).mapEmpty();
  }

  private void retryNodeLock() {
    if (!closed) {
      holdNodeLock().onFailure(e -> vertx.setTimer(5_000, t -> retryNodeLock()));
    }
  }

  // ----------------------------------------------------------------- writes

  @Override
  public Future<List<OwnerSpend>> spending(long sinceMs, long daySinceMs) {
    // Every gateway sharing this history reads the same sums: a budget counts every node's jobs.
    // The shared statement with PostgreSQL's numbered parameters; its sums are NUMERIC, read as longs.
    String sql = JobRows.SPENDING.replaceFirst("\\?", "\\$1").replaceFirst("\\?", "\\$2").replaceFirst("\\?", "\\$3");
    return pool.preparedQuery(sql).execute(Tuple.of(daySinceMs, daySinceMs, sinceMs)).map(rows -> {
      List<OwnerSpend> spending = new ArrayList<>();
      for (Row row : rows) {
        spending.add(new OwnerSpend(row.getString(0), row.getString(1), row.getLong(2), row.getLong(3),
          row.getLong(4), row.getLong(5)));
      }
      return spending;
    });
  }

  @Override
  public Future<Void> insertJob(JobRecord job) {
    return pool.preparedQuery("INSERT INTO jobs (id, owner, prompt, model, params, requested_images, status, created,"
      + " node, cost_currency, cost_micros, billed_images) VALUES ($1, $2, $3, $4, $5, $6, 'running', $7, $8, $9, $10,"
      + " $11)").execute(Tuple.tuple().addString(job.id())
      .addString(job.owner()).addString(job.prompt()).addString(job.model()).addString(job.params().encode())
      .addLong((long) job.requestedImages()).addLong(job.createdMs()).addLong((long) node)
      .addString(job.reserved().currency()).addLong(job.reserved().micros()).addLong(job.reserved().images())).mapEmpty();
  }

  @Override
  public Future<Boolean> finishJob(String id, String status, JsonObject terminal, JsonArray failedImages, Spend spent,
                                   long now) {
    JsonObject usage = terminal.getJsonObject("usage");
    return pool.preparedQuery("UPDATE jobs SET status = $1, finished = $2, error = $3, usage = $4, terminal = $5,"
      + " failed_images = $6, cost_currency = $7, cost_micros = $8, billed_images = $9 WHERE id = $10")
      .execute(Tuple.tuple().addString(status).addLong(now)
      .addString("failed".equals(status) ? terminal.getString("message") : null)
      .addString(usage == null ? null : usage.encode()).addString(terminal.encode()).addString(failedImages.encode())
      .addString(spent.currency()).addLong(spent.micros()).addLong(spent.images())
      .addString(id)).map(rows -> rows.rowCount() > 0);
  }

  @Override
  public Future<Void> insertImage(StoredImage image) {
    return insertImage(pool, image);
  }

  private static Future<Void> insertImage(SqlClient c, StoredImage image) {
    return c.preparedQuery("INSERT INTO images (" + ImageRows.COLUMNS + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8,"
      + " $9, $10, $11, $12, $13) ON CONFLICT (job_id, image_index) DO UPDATE SET size = EXCLUDED.size,"
      + " bytes = EXCLUDED.bytes, sha256 = EXCLUDED.sha256, format = EXCLUDED.format, crc32 = EXCLUDED.crc32,"
      + " upstream_url = EXCLUDED.upstream_url, url_expires = EXCLUDED.url_expires, status = EXCLUDED.status,"
      + " reason = EXCLUDED.reason, created = EXCLUDED.created, stored_at = EXCLUDED.stored_at")
      .execute(Tuple.tuple().addString(image.jobId()).addLong((long) image.index()).addString(image.size())
        .addLong(image.bytes()).addString(image.sha256()).addString(image.format()).addLong(image.crc32())
        .addString(image.upstreamUrl()).addLong(image.urlExpiresMs()).addString(image.status().wireName())
        .addString(image.reason()).addLong(image.createdMs()).addLong(image.storedAtMs())).mapEmpty();
  }

  @Override
  public Future<Void> record(StoredImage outcome) {
    return pool.withTransaction(c -> lockBlobs(c).compose(v -> exists(c, outcome.jobId())).compose(exists -> {
      boolean stored = outcome.status() == StorageStatus.STORED;
      if (!exists) {
        return stored ? removeIfUnreferenced(c, List.of(outcome)) : Future.<Void>succeededFuture();
      }
      if (!stored) {
        return insertImage(c, outcome);
      }
      return blocking(() -> files.exists(outcome.sha256(), outcome.format())).compose(present ->
        insertImage(c, present ? outcome : outcome.notPersisted(ImageArchive.REMOVED_BEFORE_RECORDED)));
    }));
  }

  /**
   * The file is moved into place on a worker thread. Retention may delete it before the image is recorded;
   * {@link #record} then finds it gone, under the same lock retention deletes with, and says so.
   */
  @Override
  public Future<StoredImage> commit(StoredImage image, Blob blob, long now) {
    return blocking(() -> {
      files.commitOrFail(blob);
      return image.stored(blob, now);
    });
  }

  // ----------------------------------------------------------------- reads

  @Override
  public Future<Optional<StoredImage>> image(String jobId, int index) {
    return pool.preparedQuery("SELECT " + ImageRows.COLUMNS + " FROM images WHERE job_id = $1 AND image_index = $2")
      .execute(Tuple.of(jobId, (long) index)).map(rows -> images(rows).stream().findFirst());
  }

  @Override
  public Future<List<StoredImage>> images(String jobId) {
    return imagesOf(pool, jobId);
  }

  private static Future<List<StoredImage>> imagesOf(SqlClient c, String jobId) {
    return c.preparedQuery("SELECT " + ImageRows.COLUMNS + " FROM images WHERE job_id = $1 ORDER BY image_index")
      .execute(Tuple.of(jobId)).map(PostgresHistory::images);
  }

  @Override
  public Future<Optional<JobImages>> job(String id, String owner) {
    return pool.withConnection(c -> findJob(c, id, owner).compose(job -> job.isEmpty()
      ? Future.succeededFuture(Optional.empty())
      : imagesOf(c, id).map(images -> Optional.of(new JobImages(job.get(), images)))));
  }

  private static Future<Optional<JsonObject>> findJob(SqlClient c, String id, String owner) {
    Tuple args = Tuple.of(id);
    if (owner != null) {
      args.addString(owner);
    }
    return c.preparedQuery("SELECT " + JobRows.COLUMNS + " FROM jobs WHERE id = $1" + (owner == null ? "" : " AND owner = $2"))
      .execute(args).map(rows -> jobs(rows, false).stream().findFirst());
  }

  @Override
  public Future<List<JobImages>> page(int limit, String beforeId, String owner) {
    return pool.withConnection(c -> cursor(c, beforeId, owner).compose(before -> {
      List<String> conditions = new ArrayList<>();
      Tuple args = Tuple.tuple();
      if (owner != null) {
        args.addString(owner);
        conditions.add("owner = $" + args.size());
      }
      if (beforeId != null) {
        args.addLong(before).addString(beforeId);
        conditions.add("(created < $" + (args.size() - 1) + " OR (created = $" + (args.size() - 1) + " AND id < $"
          + args.size() + "))");
      }
      args.addLong((long) limit);
      String where = conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
      return c.preparedQuery("SELECT " + JobRows.PAGE_COLUMNS + " FROM (SELECT *, (params::jsonb - 'prompt')::text AS p"
        + " FROM jobs" + where + " ORDER BY created DESC, id DESC LIMIT $" + args.size() + ") AS page"
        + " ORDER BY created DESC, id DESC").execute(args).compose(rows -> withImages(c, jobs(rows, true)));
    }));
  }

  private static Future<Long> cursor(SqlClient c, String beforeId, String owner) {
    if (beforeId == null) {
      return Future.succeededFuture();
    }
    Tuple args = Tuple.of(beforeId);
    if (owner != null) {
      args.addString(owner);
    }
    return c.preparedQuery("SELECT created FROM jobs WHERE id = $1" + (owner == null ? "" : " AND owner = $2"))
      .execute(args).compose(rows -> rows.size() == 0 ? Future.failedFuture(new UnknownCursorException())
        : Future.succeededFuture(rows.iterator().next().getLong(0)));
  }

  /** The images of a page's jobs in one query. */
  private static Future<List<JobImages>> withImages(SqlClient c, List<JsonObject> jobs) {
    if (jobs.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    String[] ids = jobs.stream().map(job -> job.getString("id")).toArray(String[]::new);
    return c.preparedQuery("SELECT " + ImageRows.COLUMNS + " FROM images WHERE job_id = ANY($1)"
      + " ORDER BY job_id, image_index").execute(Tuple.of(ids)).map(rows -> {
        Map<String, List<StoredImage>> byJob = new LinkedHashMap<>();
        for (StoredImage image : images(rows)) {
          byJob.computeIfAbsent(image.jobId(), id -> new ArrayList<>()).add(image);
        }
        return jobs.stream().map(job -> new JobImages(job, byJob.getOrDefault(job.getString("id"), List.of()))).toList();
      });
  }

  @Override
  public Future<Long> storedBytes() {
    return storedBytes(pool);
  }

  private static Future<Long> storedBytes(SqlClient c) {
    return c.query("SELECT COALESCE(SUM(bytes), 0)::bigint FROM (SELECT MAX(bytes) AS bytes FROM images"
      + " WHERE status = 'stored' GROUP BY sha256) AS blobs").execute().map(rows -> rows.iterator().next().getLong(0));
  }

  // ----------------------------------------------------------------- deletion, retention, recovery

  @Override
  public Future<Boolean> delete(String jobId, String owner) {
    return pool.withTransaction(c -> lockBlobs(c).compose(v -> findJob(c, jobId, owner)).compose(job -> job.isEmpty()
      ? Future.succeededFuture(false) : deleteJobs(c, List.of(jobId)).map(true)));
  }

  /** Deletes the jobs with their images, then each of their blobs no remaining image has. Under the blob lock. */
  private Future<Void> deleteJobs(SqlConnection c, List<String> ids) {
    String[] array = ids.toArray(String[]::new);
    return c.preparedQuery("SELECT " + ImageRows.COLUMNS + " FROM images WHERE job_id = ANY($1) AND status = 'stored'")
      .execute(Tuple.of((Object) array)).map(PostgresHistory::images)
      .compose(stored -> c.preparedQuery("DELETE FROM jobs WHERE id = ANY($1)").execute(Tuple.of((Object) array))
        .compose(v -> removeIfUnreferenced(c, stored)));
  }

  private Future<Void> removeIfUnreferenced(SqlConnection c, List<StoredImage> images) {
    Future<Void> done = Future.succeededFuture();
    for (StoredImage image : images) {
      done = done.compose(v -> c.preparedQuery("SELECT 1 FROM images WHERE sha256 = $1 AND status = 'stored' LIMIT 1")
        .execute(Tuple.of(image.sha256())).compose(rows -> rows.size() > 0 ? Future.succeededFuture()
          : blocking(() -> {
            files.delete(image.sha256(), image.format());
            return null;
          })));
    }
    return done;
  }

  /**
   * One gateway at a time: a gateway that finds another applying retention skips this round (the other
   * removes the same jobs). Also marks interrupted the jobs of gateways that stopped since the last round.
   */
  @Override
  public Future<List<String>> retain(long maxAgeMs, long maxBytes, long now) {
    return markInterrupted(now).compose(n -> pool.withTransaction(c -> c.query("SELECT pg_try_advisory_xact_lock("
      + LOCKS + ", " + RETENTION_LOCK + ")").execute().compose(rows -> {
        if (!rows.iterator().next().getBoolean(0)) {
          return Future.succeededFuture(List.<String>of());
        }
        List<String> removed = new ArrayList<>();
        Future<Void> byAge = maxAgeMs > 0 ? removeOld(c, now - maxAgeMs, removed) : Future.succeededFuture();
        return lockBlobs(c).compose(v -> byAge).compose(v -> maxBytes > 0 ? removeOverBudget(c, maxBytes, removed)
          : Future.succeededFuture()).map(removed);
      })));
  }

  private Future<Void> removeOld(SqlConnection c, long olderThan, List<String> removed) {
    return finishedOldestFirst(c, olderThan, BATCH).compose(old -> {
      removed.addAll(old);
      Future<Void> deleted = old.isEmpty() ? Future.succeededFuture() : deleteJobs(c, old);
      return old.size() == BATCH ? deleted.compose(v -> removeOld(c, olderThan, removed)) : deleted;
    });
  }

  private Future<Void> removeOverBudget(SqlConnection c, long maxBytes, List<String> removed) {
    return storedBytes(c).compose(bytes -> bytes <= maxBytes ? Future.succeededFuture()
      : finishedOldestFirst(c, 0, 1).compose(oldest -> {
        if (oldest.isEmpty()) {
          return Future.succeededFuture();
        }
        removed.addAll(oldest);
        return deleteJobs(c, oldest).compose(v -> removeOverBudget(c, maxBytes, removed));
      }));
  }

  private static Future<List<String>> finishedOldestFirst(SqlClient c, long olderThan, int limit) {
    Tuple args = Tuple.tuple();
    if (olderThan > 0) {
      args.addLong(olderThan);
    }
    args.addLong((long) limit);
    return c.preparedQuery("SELECT id FROM jobs WHERE status <> 'running'" + (olderThan > 0 ? " AND created < $1" : "")
      + " ORDER BY created, id LIMIT $" + args.size()).execute(args)
      .map(rows -> {
        List<String> ids = new ArrayList<>();
        rows.forEach(row -> ids.add(row.getString(0)));
        return ids;
      });
  }

  @Override
  public Future<List<StoredImage>> recover(long now) {
    return blocking(() -> {
      files.removeLeftovers();
      return null;
    }).compose(v -> markInterrupted(now)).compose(v -> pool.query("SELECT " + prefixed("images.")
      + " FROM images JOIN jobs ON jobs.id = images.job_id WHERE images.status = 'pending' AND (jobs.node IS NULL"
      + " OR jobs.node NOT IN (" + ALIVE + ")) ORDER BY images.created").execute().map(PostgresHistory::images));
  }

  /** Jobs whose gateway stopped can never finish: their upstream calls died with it. */
  private Future<Integer> markInterrupted(long now) {
    return pool.preparedQuery("UPDATE jobs SET status = 'interrupted', finished = $1, error = $2 WHERE status = 'running'"
      + " AND (node IS NULL OR node NOT IN (" + ALIVE + "))")
      .execute(Tuple.of(now, "the gateway stopped while this job was running")).map(rows -> {
        if (rows.rowCount() > 0) {
          LOG.warning(rows.rowCount() + " job(s) were running on a gateway that stopped; marked interrupted");
        }
        return rows.rowCount();
      });
  }

  // ----------------------------------------------------------------- helpers

  private static Future<Void> lockBlobs(SqlConnection c) {
    return c.query("SELECT pg_advisory_xact_lock(" + LOCKS + ", " + BLOB_LOCK + ")").execute().mapEmpty();
  }

  private static Future<Boolean> exists(SqlConnection c, String jobId) {
    return c.preparedQuery("SELECT 1 FROM jobs WHERE id = $1").execute(Tuple.of(jobId)).map(rows -> rows.size() > 0);
  }

  private <T> Future<T> blocking(java.util.concurrent.Callable<T> work) {
    return vertx.executeBlocking(work, false);
  }

  private static String prefixed(String table) {
    return table + ImageRows.COLUMNS.replace(", ", ", " + table);
  }

  private static List<StoredImage> images(RowSet<Row> rows) {
    List<StoredImage> images = new ArrayList<>();
    for (Row row : rows) {
      images.add(new StoredImage(row.getString(0), row.getLong(1).intValue(), row.getString(2), orZero(row.getLong(3)),
        row.getString(4), row.getString(5), orZero(row.getLong(6)), row.getString(7), orZero(row.getLong(8)),
        StorageStatus.of(row.getString(9)), row.getString(10), orZero(row.getLong(11)), orZero(row.getLong(12))));
    }
    return images;
  }

  private static long orZero(Long value) {
    return value == null ? 0 : value;
  }

  private static List<JsonObject> jobs(RowSet<Row> rows, boolean page) {
    List<JsonObject> jobs = new ArrayList<>();
    try {
      for (Row row : rows) {
        jobs.add(JobRows.toJson(new JobRows.Columns() {
          @Override
          public String text(int column) {
            return row.getString(column - 1);
          }

          @Override
          public Long number(int column) {
            return row.getLong(column - 1);
          }

          @Override
          public boolean flag(int column) {
            return Boolean.TRUE.equals(row.getBoolean(column - 1));
          }
        }, page));
      }
    } catch (java.sql.SQLException e) {
      throw new IllegalStateException(e);
    }
    return jobs;
  }

  /**
   * The server refused for now: it is down or unreachable, out of disk or connections, shutting down, or a
   * transaction lost a conflict. Then the same write can land later. A statement the server rejects
   * (a constraint, bad data) cannot.
   */
  @Override
  public boolean retryable(Throwable failure) {
    if (failure instanceof PgException pg) {
      String state = String.valueOf(pg.getSqlState());
      return state.startsWith("08") || state.startsWith("53") || state.startsWith("57") || state.startsWith("58")
        || state.startsWith("40") || state.equals("25006");
    }
    return failure instanceof IOException || failure instanceof io.vertx.core.VertxException
      || failure instanceof io.netty.channel.ChannelException;
  }

  @Override
  public Future<Void> close() {
    closed = true;
    return lockPool.close().eventually(pool::close);
  }
}
