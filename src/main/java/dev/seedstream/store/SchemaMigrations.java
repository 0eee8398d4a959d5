package dev.seedstream.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The history schema, one step per version, for SQLite and PostgreSQL alike. In SQLite {@code PRAGMA
 * user_version} records how many steps a database file has had; in PostgreSQL the table {@code
 * schema_migrations} does (see {@link PostgresHistory}). Start-up applies the missing ones in a transaction
 * each. Steps are only ever appended.
 */
final class SchemaMigrations {

  private static final List<List<String>> STEPS = List.of(
    List.of(
      "CREATE TABLE jobs (id TEXT PRIMARY KEY, prompt TEXT NOT NULL, model TEXT NOT NULL, params TEXT NOT NULL,"
        + " requested_images INTEGER NOT NULL, status TEXT NOT NULL, created INTEGER NOT NULL, finished INTEGER,"
        + " error TEXT, usage TEXT, terminal TEXT, failed_images TEXT NOT NULL DEFAULT '[]')",
      "CREATE INDEX jobs_by_created ON jobs (created, id)",
      "CREATE TABLE images (job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,"
        + " image_index INTEGER NOT NULL, size TEXT, bytes INTEGER, sha256 TEXT, format TEXT, crc32 INTEGER,"
        + " upstream_url TEXT, url_expires INTEGER, status TEXT NOT NULL, reason TEXT, created INTEGER NOT NULL,"
        + " stored_at INTEGER, PRIMARY KEY (job_id, image_index))",
      "CREATE INDEX images_by_sha256 ON images (sha256)",
      "CREATE INDEX images_by_status ON images (status)"),
    // Who created each job (a token's name, or the client's address without tokens), so the history can be
    // filtered per token. Jobs recorded before this step keep owner NULL: with tokens they are nobody's.
    List.of(
      "ALTER TABLE jobs ADD COLUMN owner TEXT",
      "CREATE INDEX jobs_by_owner ON jobs (owner, created, id)"),
    // Which gateway runs each job, so with a shared history a gateway starting up marks interrupted only the
    // jobs of gateways that have stopped, never those another running gateway is still relaying.
    List.of(
      "ALTER TABLE jobs ADD COLUMN node INTEGER"),
    // What each job counts against its owner's budget: its worst case from admission, replaced by what it
    // cost when it ends. Read back at start-up (and shared by every gateway on one PostgreSQL history).
    List.of(
      "ALTER TABLE jobs ADD COLUMN cost_currency TEXT",
      "ALTER TABLE jobs ADD COLUMN cost_micros INTEGER",
      "ALTER TABLE jobs ADD COLUMN billed_images INTEGER"));

  private SchemaMigrations() {
  }

  /**
   * The steps as PostgreSQL runs them: integers are 64-bit there too (SQLite's INTEGER already is; times are
   * in milliseconds), and job ids compare byte by byte, as in SQLite, whatever the server's locale, so the
   * history's cursor orders alike on both.
   */
  static List<List<String>> postgresSteps() {
    return STEPS.stream().map(step -> step.stream().map(statement -> statement.replace(" INTEGER", " BIGINT")
      .replace("id TEXT PRIMARY KEY", "id TEXT COLLATE \"C\" PRIMARY KEY")
      .replace("job_id TEXT NOT NULL", "job_id TEXT COLLATE \"C\" NOT NULL")).toList()).toList();
  }

  static int latest() {
    return STEPS.size();
  }

  static void migrate(Connection connection) throws SQLException {
    int version = version(connection);
    if (version > STEPS.size()) {
      throw new SQLException("the history database has schema version " + version
        + ", newer than this gateway knows (" + STEPS.size() + "); use a newer gateway or another data dir");
    }
    for (int step = version; step < STEPS.size(); step++) {
      apply(connection, step);
    }
  }

  private static void apply(Connection connection, int step) throws SQLException {
    connection.setAutoCommit(false);
    try (Statement sql = connection.createStatement()) {
      for (String statement : STEPS.get(step)) {
        sql.execute(statement);
      }
      sql.execute("PRAGMA user_version = " + (step + 1));
      connection.commit();
    } catch (SQLException e) {
      connection.rollback();
      throw e;
    } finally {
      connection.setAutoCommit(true);
    }
  }

  static int version(Connection connection) throws SQLException {
    try (Statement sql = connection.createStatement(); ResultSet row = sql.executeQuery("PRAGMA user_version")) {
      return row.next() ? row.getInt(1) : 0;
    }
  }
}
