package dev.seedstream.store;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Map;

/**
 * When a signed upstream image URL stops working. TOS (and S3-style) URLs carry their signing time and
 * lifetime in the query ({@code X-Tos-Date} + {@code X-Tos-Expires} seconds); the simulator adds an absolute
 * {@code expires}. Anything unreadable is taken to live the documented 24 hours from now.
 */
final class UrlExpiry {

  static final long DEFAULT_TTL_MS = 24L * 60 * 60 * 1000;
  private static final String[] LIFETIME_PARAMETERS = {"expires", "x-tos-expires", "x-amz-expires", "x-tos-date", "x-amz-date"};
  private static final DateTimeFormatter SIGNING_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");

  private UrlExpiry() {
  }

  static long of(String url, long nowMs) {
    Map<String, String> query = query(url);
    Long absolute = number(query.get("expires"));
    if (absolute != null) {
      // Seconds and milliseconds since the epoch are told apart by size: 1e12 ms is 2001, 1e12 s is far future.
      return absolute >= 1_000_000_000_000L ? absolute : absolute * 1000;
    }
    Long lifetime = number(first(query, "x-tos-expires", "x-amz-expires"));
    if (lifetime == null) {
      return nowMs + DEFAULT_TTL_MS;
    }
    return signedAt(first(query, "x-tos-date", "x-amz-date"), nowMs) + lifetime * 1000;
  }

  private static long signedAt(String date, long nowMs) {
    if (date == null) {
      return nowMs;
    }
    try {
      return LocalDateTime.parse(date, SIGNING_DATE).toInstant(ZoneOffset.UTC).toEpochMilli();
    } catch (DateTimeParseException e) {
      return nowMs;
    }
  }

  /**
   * The query parameters of {@code url} that tell its lifetime, by lower-case name (the first of each). Only
   * those five are decoded and kept: every image URL passes through here on the relay's thread, and splitting
   * and decoding whole signed queries cost nearly a kilobyte per image.
   */
  private static Map<String, String> query(String url) {
    Map<String, String> params = new HashMap<>(8);
    String raw;
    try {
      raw = URI.create(url).getRawQuery();
    } catch (IllegalArgumentException e) {
      return params;
    }
    if (raw == null) {
      return params;
    }
    int start = 0;
    while (start <= raw.length()) {
      int end = raw.indexOf('&', start);
      if (end < 0) {
        end = raw.length();
      }
      int eq = raw.indexOf('=', start);
      if (eq > start && eq < end) {
        for (String name : LIFETIME_PARAMETERS) {
          if (eq - start == name.length() && raw.regionMatches(true, start, name, 0, name.length())) {
            params.putIfAbsent(name, URLDecoder.decode(raw.substring(eq + 1, end), StandardCharsets.UTF_8));
          }
        }
      }
      start = end + 1;
    }
    return params;
  }

  private static String first(Map<String, String> query, String... names) {
    for (String name : names) {
      if (query.containsKey(name)) {
        return query.get(name);
      }
    }
    return null;
  }

  private static Long number(String text) {
    if (text == null || !text.matches("[0-9]{1,15}")) {
      return null;
    }
    return Long.parseLong(text);
  }
}
