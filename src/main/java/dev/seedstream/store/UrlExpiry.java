package dev.seedstream.store;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * When a signed upstream image URL stops working. TOS (and S3-style) URLs carry their signing time and
 * lifetime in the query ({@code X-Tos-Date} + {@code X-Tos-Expires} seconds); the simulator adds an absolute
 * {@code expires}. Anything unreadable is taken to live the documented 24 hours from now.
 */
final class UrlExpiry {

  static final long DEFAULT_TTL_MS = 24L * 60 * 60 * 1000;
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

  private static Map<String, String> query(String url) {
    Map<String, String> params = new HashMap<>();
    String raw;
    try {
      raw = URI.create(url).getRawQuery();
    } catch (IllegalArgumentException e) {
      return params;
    }
    if (raw == null) {
      return params;
    }
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        params.putIfAbsent(pair.substring(0, eq).toLowerCase(Locale.ROOT),
          URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
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
