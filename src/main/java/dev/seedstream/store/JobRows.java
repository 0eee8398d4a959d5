package dev.seedstream.store;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** SQL for the {@code jobs} table. Blocking: the database thread only. */
final class JobRows {

  static final String INTERRUPTED = "interrupted";
  /** A history page lists at most this much of each prompt; the job's own snapshot has all of it. */
  static final int PROMPT_PREVIEW_CHARS = 2000;
  /** A history page omits settings longer than this (without the prompt); the job's own snapshot has them. */
  static final int PARAMS_PREVIEW_CHARS = 16_384;
  static final String COLUMNS = "id, prompt, model, params, requested_images, status, created, finished,"
    + " error, usage, terminal, failed_images, cost_currency, cost_micros";
  /**
   * {@link #COLUMNS} bounded for a page: the prompt cut in SQL, so a huge one is never read whole, and the
   * settings without their prompt (rows written before the prompt was kept once still have one there).
   */
  static final String PAGE_COLUMNS = "id, substr(prompt, 1, " + PROMPT_PREVIEW_CHARS + "), model,"
    + " CASE WHEN length(p) <= " + PARAMS_PREVIEW_CHARS + " THEN p END, requested_images, status, created, finished,"
    + " error, usage, terminal, failed_images, length(prompt) > " + PROMPT_PREVIEW_CHARS + ", length(p) > "
    + PARAMS_PREVIEW_CHARS + ", cost_currency, cost_micros";
  /**
   * Each owner's spending by currency since a month's start (parameter 3), with the part since a day's start
   * (parameters 1 and 2). Rows from before costs were kept count nothing.
   */
  static final String SPENDING = "SELECT owner, cost_currency, SUM(COALESCE(cost_micros, 0)),"
    + " SUM(COALESCE(billed_images, 0)), SUM(CASE WHEN created >= ? THEN COALESCE(cost_micros, 0) ELSE 0 END),"
    + " SUM(CASE WHEN created >= ? THEN COALESCE(billed_images, 0) ELSE 0 END) FROM jobs"
    + " WHERE created >= ? AND owner IS NOT NULL GROUP BY owner, cost_currency";

  private JobRows() {
  }

  /** One row's columns by position (1 = id), in the order of {@link #COLUMNS} or {@link #PAGE_COLUMNS}. */
  interface Columns {
    String text(int column) throws SQLException;

    /** Null for SQL NULL. */
    Long number(int column) throws SQLException;

    boolean flag(int column) throws SQLException;
  }

  static void insert(Connection c, JobRecord job) throws SQLException {
    try (PreparedStatement sql = c.prepareStatement("INSERT INTO jobs (id, owner, prompt, model, params,"
      + " requested_images, status, created, cost_currency, cost_micros, billed_images)"
      + " VALUES (?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?)")) {
      sql.setString(1, job.id());
      sql.setString(2, job.owner());
      sql.setString(3, job.prompt());
      sql.setString(4, job.model());
      sql.setString(5, job.params().encode());
      sql.setInt(6, job.requestedImages());
      sql.setLong(7, job.createdMs());
      sql.setString(8, job.reserved().currency());
      sql.setObject(9, job.reserved().micros());
      sql.setLong(10, job.reserved().images());
      sql.executeUpdate();
    }
  }

  /** {@link #finish(Connection, String, String, JsonObject, JsonArray, Spend, long)} for a job of no price. */
  static int finish(Connection c, String id, String status, JsonObject terminal, JsonArray failedImages, long now)
    throws SQLException {
    return finish(c, id, status, terminal, failedImages, new Spend(null, null, 0), now);
  }

  /** Returns the rows changed: 0 when the history has no such job. */
  static int finish(Connection c, String id, String status, JsonObject terminal, JsonArray failedImages, Spend spent,
                    long now) throws SQLException {
    try (PreparedStatement sql = c.prepareStatement("UPDATE jobs SET status = ?, finished = ?, error = ?, usage = ?,"
      + " terminal = ?, failed_images = ?, cost_currency = ?, cost_micros = ?, billed_images = ? WHERE id = ?")) {
      sql.setString(1, status);
      sql.setLong(2, now);
      sql.setString(3, "failed".equals(status) ? terminal.getString("message") : null);
      JsonObject usage = terminal.getJsonObject("usage");
      sql.setString(4, usage == null ? null : usage.encode());
      sql.setString(5, terminal.encode());
      sql.setString(6, failedImages.encode());
      sql.setString(7, spent.currency());
      sql.setObject(8, spent.micros());
      sql.setLong(9, spent.images());
      sql.setString(10, id);
      return sql.executeUpdate();
    }
  }

  static List<OwnerSpend> spending(Connection c, long sinceMs, long daySinceMs) throws SQLException {
    try (PreparedStatement sql = c.prepareStatement(SPENDING)) {
      sql.setLong(1, daySinceMs);
      sql.setLong(2, daySinceMs);
      sql.setLong(3, sinceMs);
      List<OwnerSpend> spending = new ArrayList<>();
      try (ResultSet row = sql.executeQuery()) {
        while (row.next()) {
          spending.add(new OwnerSpend(row.getString(1), row.getString(2), row.getLong(3), row.getLong(4),
            row.getLong(5), row.getLong(6)));
        }
      }
      return spending;
    }
  }

  static boolean exists(Connection c, String id) throws SQLException {
    try (PreparedStatement sql = c.prepareStatement("SELECT 1 FROM jobs WHERE id = ?")) {
      sql.setString(1, id);
      try (ResultSet row = sql.executeQuery()) {
        return row.next();
      }
    }
  }

  /** Jobs the last process left running can never finish: their upstream calls died with it. */
  static int markInterrupted(Connection c, long now) throws SQLException {
    try (PreparedStatement sql = c.prepareStatement("UPDATE jobs SET status = 'interrupted', finished = ?, error = ?"
      + " WHERE status = 'running'")) {
      sql.setLong(1, now);
      sql.setString(2, "the gateway stopped while this job was running");
      return sql.executeUpdate();
    }
  }

  /**
   * The job, if {@code owner} may see it: with an owner, only a job recorded under that owner (a job with
   * none, recorded before owners were, belongs to nobody); with {@code null}, any job.
   */
  static Optional<JsonObject> find(Connection c, String id, String owner) throws SQLException {
    try (PreparedStatement sql = c.prepareStatement("SELECT " + COLUMNS + " FROM jobs WHERE id = ?"
      + ownerFilter(owner))) {
      sql.setString(1, id);
      setOwner(sql, 2, owner);
      return read(sql, false).stream().findFirst();
    }
  }

  /**
   * Newest first; with {@code beforeId}, only jobs older than that one (ties broken by id); with an
   * {@code owner}, only that owner's jobs, so every page is full of them (see {@link #find}). Each job is
   * bounded: its prompt is a preview ({@code prompt_truncated} when cut) and over-long settings are left
   * out ({@code params_truncated}).
   */
  static List<JsonObject> page(Connection c, int limit, Long beforeCreated, String beforeId, String owner)
    throws SQLException {
    List<String> conditions = new ArrayList<>();
    if (owner != null) {
      conditions.add("owner = ?");
    }
    if (beforeId != null) {
      conditions.add("(created < ? OR (created = ? AND id < ?))");
    }
    String where = conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
    try (PreparedStatement sql = c.prepareStatement("SELECT " + PAGE_COLUMNS + " FROM (SELECT *,"
      + " json_remove(params, '$.prompt') AS p FROM jobs" + where + " ORDER BY created DESC, id DESC LIMIT ?)"
      + " ORDER BY created DESC, id DESC")) {
      int at = setOwner(sql, 1, owner);
      if (beforeId != null) {
        sql.setLong(at++, beforeCreated);
        sql.setLong(at++, beforeCreated);
        sql.setString(at++, beforeId);
      }
      sql.setInt(at, limit);
      return read(sql, true);
    }
  }

  /** When the job was created, if {@code owner} may see it (see {@link #find}). */
  static Optional<Long> created(Connection c, String id, String owner) throws SQLException {
    try (PreparedStatement sql = c.prepareStatement("SELECT created FROM jobs WHERE id = ?" + ownerFilter(owner))) {
      sql.setString(1, id);
      setOwner(sql, 2, owner);
      try (ResultSet row = sql.executeQuery()) {
        return row.next() ? Optional.of(row.getLong(1)) : Optional.empty();
      }
    }
  }

  private static String ownerFilter(String owner) {
    return owner == null ? "" : " AND owner = ?";
  }

  /** Binds the owner at {@code at} when there is one; returns the next parameter's position. */
  private static int setOwner(PreparedStatement sql, int at, String owner) throws SQLException {
    if (owner == null) {
      return at;
    }
    sql.setString(at, owner);
    return at + 1;
  }

  /** Finished jobs, oldest first; with {@code olderThan} &gt; 0 only those created before it. */
  static List<String> finishedOldestFirst(Connection c, long olderThan, int limit) throws SQLException {
    try (PreparedStatement sql = c.prepareStatement("SELECT id FROM jobs WHERE status <> 'running'"
      + (olderThan > 0 ? " AND created < ?" : "") + " ORDER BY created, id LIMIT ?")) {
      int at = 1;
      if (olderThan > 0) {
        sql.setLong(at++, olderThan);
      }
      sql.setInt(at, limit);
      List<String> ids = new ArrayList<>();
      try (ResultSet row = sql.executeQuery()) {
        while (row.next()) {
          ids.add(row.getString(1));
        }
      }
      return ids;
    }
  }

  static void delete(Connection c, String id) throws SQLException {
    try (PreparedStatement sql = c.prepareStatement("DELETE FROM jobs WHERE id = ?")) {
      sql.setString(1, id);
      sql.executeUpdate();
    }
  }

  /** {@code page}: the rows were selected with {@link #PAGE_COLUMNS}. */
  private static List<JsonObject> read(PreparedStatement sql, boolean page) throws SQLException {
    List<JsonObject> jobs = new ArrayList<>();
    try (ResultSet row = sql.executeQuery()) {
      Columns columns = columns(row);
      while (row.next()) {
        jobs.add(toJson(columns, page));
      }
    }
    return jobs;
  }

  /**
   * Shaped like a live job's snapshot, plus what only the history has (prompt, params, finish time). The
   * prompt is kept once, in its column; {@code params} gets it back here, ready for a re-run, unless this is
   * a page's preview of it.
   */
  static JsonObject toJson(Columns row, boolean page) throws SQLException {
    String status = row.text(6);
    String prompt = row.text(2);
    boolean promptCut = page && row.flag(13);
    JsonObject json = new JsonObject().put("id", row.text(1)).put("status", status).put("model", row.text(3))
      .put("prompt", prompt);
    if (promptCut) {
      json.put("prompt_truncated", true);
    }
    String params = row.text(4);
    if (params != null) {
      JsonObject settings = new JsonObject(params);
      json.put("params", promptCut ? settings : settings.put("prompt", prompt));
    } else {
      json.put("params_truncated", true);
    }
    long created = row.number(7);
    json.put("requested_images", row.number(5).intValue()).put("created", created / 1000).put("created_ms", created);
    Long finished = row.number(8);
    if (finished != null) {
      json.put("finished", finished / 1000);
    }
    json.put("failed_images", new JsonArray(row.text(12)));
    // Before a job ends its columns hold the worst case reserved for it, which is not what it cost.
    int costAt = page ? 15 : 13;
    String currency = row.text(costAt);
    Long micros = row.number(costAt + 1);
    if (currency != null && micros != null && !status.equals("running") && !status.equals(INTERRUPTED)) {
      json.put("cost", new JsonObject().put("currency", currency).put("amount", micros / 1_000_000d));
    }
    String terminal = row.text(11);
    if (terminal != null) {
      json.put(terminalKey(status), new JsonObject(terminal));
    } else if (row.text(9) != null) {
      json.put("error", new JsonObject().put("code", status).put("message", row.text(9)));
    }
    return json;
  }

  private static Columns columns(ResultSet row) {
    return new Columns() {
      @Override
      public String text(int column) throws SQLException {
        return row.getString(column);
      }

      @Override
      public Long number(int column) throws SQLException {
        long value = row.getLong(column);
        return row.wasNull() ? null : value;
      }

      @Override
      public boolean flag(int column) throws SQLException {
        return row.getBoolean(column);
      }
    };
  }

  private static String terminalKey(String status) {
    return switch (status) {
      case "completed" -> "result";
      case "cancelled" -> "cancellation";
      default -> "error";
    };
  }
}
