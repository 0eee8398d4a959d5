package dev.seedstream.http;

/**
 * The one byte range of a {@code Range: bytes=…} header (RFC 9110 §14), inclusive at both ends. Headers
 * this gateway does not serve as a range (several ranges, another unit, malformed) yield null: the answer
 * is then the whole file, which the RFC allows.
 */
record ByteRange(long start, long end) {

  static final ByteRange UNSATISFIABLE = new ByteRange(-1, -1);

  boolean satisfiable() {
    return start >= 0;
  }

  long length() {
    return end - start + 1;
  }

  static ByteRange parse(String header, long size) {
    if (header == null || !header.startsWith("bytes=") || header.indexOf(',') >= 0) {
      return null;
    }
    String spec = header.substring(6).trim();
    int dash = spec.indexOf('-');
    if (dash < 0) {
      return null;
    }
    Long first = number(spec.substring(0, dash));
    Long last = number(spec.substring(dash + 1));
    if (first == null) {
      return last == null ? null : suffix(last, size);
    }
    if (last != null && last < first) {
      return null;
    }
    if (first >= size) {
      return UNSATISFIABLE;
    }
    return new ByteRange(first, last == null ? size - 1 : Math.min(last, size - 1));
  }

  private static ByteRange suffix(long count, long size) {
    if (count == 0 || size == 0) {
      return UNSATISFIABLE;
    }
    return new ByteRange(Math.max(0, size - count), size - 1);
  }

  private static Long number(String text) {
    String trimmed = text.trim();
    if (trimmed.isEmpty() || trimmed.length() > 18 || !trimmed.chars().allMatch(Character::isDigit)) {
      return null;
    }
    return Long.parseLong(trimmed);
  }
}
