package dev.seedstream.observe;

import dev.seedstream.upstream.KeyRedactor;

import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * Wraps the log's formatter and takes the upstream key out of every finished line, stack traces included.
 * Every call site already logs sanitised text; this holds when one forgets, or when an exception from a
 * library carries upstream text. Matching on the finished line also covers JSON-encoded lines, because
 * the key's characters need no escaping.
 */
public final class KeyRedactingFormatter extends Formatter {

  private final Formatter inner;
  private final KeyRedactor key;

  public KeyRedactingFormatter(Formatter inner, KeyRedactor key) {
    this.inner = inner;
    this.key = key;
  }

  @Override
  public String format(LogRecord record) {
    return key.redact(inner.format(record));
  }
}
