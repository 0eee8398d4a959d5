package dev.seedstream.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** SQL for the {@code images} table. Blocking: the database thread only. */
final class ImageRows {

  static final String COLUMNS = "job_id, image_index, size, bytes, sha256, format, crc32, upstream_url,"
    + " url_expires, status, reason, created, stored_at";

  private ImageRows() {
  }

  static void insert(Connection c, StoredImage image) throws SQLException {
    try (PreparedStatement sql = c.prepareStatement("INSERT OR REPLACE INTO images (" + COLUMNS
      + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      sql.setString(1, image.jobId());
      sql.setInt(2, image.index());
      sql.setString(3, image.size());
      sql.setLong(4, image.bytes());
      sql.setString(5, image.sha256());
      sql.setString(6, image.format());
      sql.setLong(7, image.crc32());
      sql.setString(8, image.upstreamUrl());
      sql.setLong(9, image.urlExpiresMs());
      sql.setString(10, image.status().wireName());
      sql.setString(11, image.reason());
      sql.setLong(12, image.createdMs());
      sql.setLong(13, image.storedAtMs());
      sql.executeUpdate();
    }
  }

  /** Returns the rows changed: 0 when the image's job was deleted while the image was downloading. */
  static int markStored(Connection c, String jobId, int index, Blob blob, long now) throws SQLException {
    try (PreparedStatement sql = c.prepareStatement("UPDATE images SET status = 'stored', reason = NULL, bytes = ?,"
      + " sha256 = ?, format = ?, crc32 = ?, stored_at = ? WHERE job_id = ? AND image_index = ?")) {
      sql.setLong(1, blob.bytes());
      sql.setString(2, blob.sha256());
      sql.setString(3, blob.format());
      sql.setLong(4, blob.crc32());
      sql.setLong(5, now);
      sql.setString(6, jobId);
      sql.setInt(7, index);
      return sql.executeUpdate();
    }
  }

  static Optional<StoredImage> find(Connection c, String jobId, int index) throws SQLException {
    try (PreparedStatement sql = c.prepareStatement("SELECT " + COLUMNS + " FROM images WHERE job_id = ? AND image_index = ?")) {
      sql.setString(1, jobId);
      sql.setInt(2, index);
      List<StoredImage> found = read(sql);
      return found.stream().findFirst();
    }
  }

  static List<StoredImage> ofJob(Connection c, String jobId) throws SQLException {
    try (PreparedStatement sql = c.prepareStatement("SELECT " + COLUMNS + " FROM images WHERE job_id = ? ORDER BY image_index")) {
      sql.setString(1, jobId);
      return read(sql);
    }
  }

  static List<StoredImage> pending(Connection c) throws SQLException {
    try (PreparedStatement sql = c.prepareStatement("SELECT " + COLUMNS + " FROM images WHERE status = 'pending' ORDER BY created")) {
      return read(sql);
    }
  }

  /** Bytes on disk: an image stored by several jobs is one file, so each sha256 counts once. */
  static long storedBytes(Connection c) throws SQLException {
    try (PreparedStatement sql = c.prepareStatement("SELECT COALESCE(SUM(bytes), 0) FROM (SELECT MAX(bytes) AS bytes"
      + " FROM images WHERE status = 'stored' GROUP BY sha256)"); ResultSet row = sql.executeQuery()) {
      return row.next() ? row.getLong(1) : 0;
    }
  }

  static boolean referenced(Connection c, String sha256) throws SQLException {
    try (PreparedStatement sql = c.prepareStatement("SELECT 1 FROM images WHERE sha256 = ? AND status = 'stored' LIMIT 1")) {
      sql.setString(1, sha256);
      try (ResultSet row = sql.executeQuery()) {
        return row.next();
      }
    }
  }

  private static List<StoredImage> read(PreparedStatement sql) throws SQLException {
    List<StoredImage> images = new ArrayList<>();
    try (ResultSet row = sql.executeQuery()) {
      while (row.next()) {
        images.add(new StoredImage(row.getString(1), row.getInt(2), row.getString(3), row.getLong(4), row.getString(5),
          row.getString(6), row.getLong(7), row.getString(8), row.getLong(9), StorageStatus.of(row.getString(10)),
          row.getString(11), row.getLong(12), row.getLong(13)));
      }
    }
    return images;
  }
}
