package dev.seedstream.observe;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * The gateway's plain log line: {@code 2026-12-07T07:02:32.123 INFO dev.seedstream.Main - message}, the
 * stack trace on the lines after it. The same text as {@code SimpleFormatter} with the gateway's default
 * pattern, made without it: that formatter asks every record for its caller (a walk of the stack) and
 * formats the line with {@code String.format}, which builds the locale's number symbols anew each time;
 * about 50 KB of allocation per line, and the access log writes a line per request.
 */
public final class TextLogFormatter extends Formatter {

  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS");

  @Override
  public String format(LogRecord record) {
    StringBuilder line = new StringBuilder(128);
    TIME.formatTo(Instant.ofEpochMilli(record.getMillis()).atZone(ZoneId.systemDefault()), line);
    line.append(' ').append(record.getLevel().getLocalizedName())
      .append(' ').append(record.getLoggerName())
      .append(" - ").append(formatMessage(record));
    if (record.getThrown() != null) {
      StringWriter trace = new StringWriter();
      try (PrintWriter out = new PrintWriter(trace)) {
        out.println();
        record.getThrown().printStackTrace(out);
      }
      line.append(trace);
    }
    return line.append(System.lineSeparator()).toString();
  }
}
