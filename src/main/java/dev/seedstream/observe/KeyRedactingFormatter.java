package dev.seedstream.observe;

import dev.seedstream.upstream.KeyRedactor;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * Wraps the log's formatter and takes the upstream key out of every finished line, stack traces included.
 * Every call site already logs sanitised text; this holds when one forgets, or when an exception from a
 * library carries upstream text. Matching on the finished line also covers JSON-encoded lines, because
 * the key's characters need no escaping.
 */
public final class KeyRedactingFormatter extends Formatter {

  /** Keys learnt after start-up (a reloaded upstream pool): the log is global, and so is this list. */
  private static final Map<String, KeyRedactor> LATER_KEYS = new ConcurrentHashMap<>();

  private final Formatter inner;
  private final KeyRedactor key;

  public KeyRedactingFormatter(Formatter inner, KeyRedactor key) {
    this.inner = inner;
    this.key = key;
  }

  /** From now on every line of every such formatter is also cleared of {@code key}. */
  public static void redactAlso(String key) {
    if (key != null && !key.isBlank()) {
      LATER_KEYS.computeIfAbsent(key, KeyRedactor::new);
    }
  }

  @Override
  public String format(LogRecord record) {
    String line = key.redact(inner.format(record));
    for (KeyRedactor later : LATER_KEYS.values()) {
      line = later.redact(line);
    }
    return line;
  }
}
