package dev.seedstream.observe;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway's own line formatter writes exactly what the JDK's {@link SimpleFormatter} writes with the
 * gateway's default pattern (the one {@code Main} sets), parameters and stack traces included.
 */
@DisplayName("Plain log lines")
class TextLogFormatterTest {

  static final String PATTERN = "%1$tFT%1$tT.%1$tL %4$s %3$s - %5$s%6$s%n";

  /** The JDK's formatter on {@code PATTERN}: the property is read when the formatter is made. */
  static String simple(LogRecord record) {
    String before = System.getProperty("java.util.logging.SimpleFormatter.format");
    System.setProperty("java.util.logging.SimpleFormatter.format", PATTERN);
    try {
      return new SimpleFormatter().format(record);
    } finally {
      if (before == null) {
        System.clearProperty("java.util.logging.SimpleFormatter.format");
      } else {
        System.setProperty("java.util.logging.SimpleFormatter.format", before);
      }
    }
  }

  static LogRecord record(Level level, String message, Object... parameters) {
    LogRecord record = new LogRecord(level, message);
    record.setLoggerName("dev.seedstream.http.AccessLog");
    record.setParameters(parameters.length == 0 ? null : parameters);
    record.setMillis(1_796_540_552_007L);
    return record;
  }

  @Test
  void aLineIsTheOneTheJdkFormatterWrites() {
    LogRecord record = record(Level.INFO, "POST /api/generations 200 (3 images)");
    assertThat(new TextLogFormatter().format(record)).isEqualTo(simple(record))
      .endsWith(" INFO dev.seedstream.http.AccessLog - POST /api/generations 200 (3 images)" + System.lineSeparator());
  }

  @Test
  void parametersAndAStackTraceAreWrittenAsTheJdkWritesThem() {
    LogRecord record = record(Level.WARNING, "upstream {0} failed after {1} ms", "pool-a", 1234);
    record.setThrown(new IOException("connection reset", new IllegalStateException("inner")));
    String line = new TextLogFormatter().format(record);
    assertThat(line).isEqualTo(simple(record));
    assertThat(line).contains("WARNING dev.seedstream.http.AccessLog - upstream pool-a failed after 1,234 ms")
      .contains("java.io.IOException: connection reset").contains("Caused by: java.lang.IllegalStateException: inner");
  }
}
