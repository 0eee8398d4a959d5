package dev.seedstream.config;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * A PostgreSQL server for the history, from {@code postgresql://user[:password]@host[:port]/database}. The
 * password comes from {@code SEEDSTREAM_DATABASE_PASSWORD} when set, else from the URL; {@link #toString}
 * never shows it, so the settings can be logged.
 */
public record DatabaseUrl(String host, int port, String database, String user, String password) {

  static DatabaseUrl parse(String source, String text, String passwordFromEnv) {
    URI uri;
    try {
      uri = URI.create(text);
    } catch (IllegalArgumentException e) {
      throw invalid(source);
    }
    if (!"postgresql".equals(uri.getScheme()) && !"postgres".equals(uri.getScheme())) {
      throw invalid(source);
    }
    String path = uri.getRawPath();
    if (uri.getHost() == null || path == null || path.length() < 2 || path.indexOf('/', 1) >= 0
      || uri.getRawUserInfo() == null) {
      throw invalid(source);
    }
    String[] userInfo = uri.getRawUserInfo().split(":", 2);
    String password = passwordFromEnv != null ? passwordFromEnv : userInfo.length == 2 ? decode(userInfo[1]) : null;
    return new DatabaseUrl(uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort(), decode(path.substring(1)),
      decode(userInfo[0]), password);
  }

  /** Whether the text carries a password, which a configuration file must not. */
  static boolean hasPassword(String text) {
    try {
      String userInfo = URI.create(text).getRawUserInfo();
      return userInfo != null && userInfo.contains(":");
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static String decode(String text) {
    return URLDecoder.decode(text, StandardCharsets.UTF_8);
  }

  private static ConfigException invalid(String source) {
    // The text itself may hold a password: the message never repeats it.
    return new ConfigException(source + ": write postgresql://user@host[:port]/database (the password in "
      + "SEEDSTREAM_DATABASE_PASSWORD)");
  }

  @Override
  public String toString() {
    return "postgresql://" + user + "@" + host + ":" + port + "/" + database;
  }
}
