package dev.seedstream.observe;

import dev.seedstream.upstream.KeyRedactor;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.Locale;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;

import static org.assertj.core.api.Assertions.assertThat;

class KeyRedactingFormatterTest {

  static final String ARK_KEY = "3f2a9c1e-7b4d-4e8a-9f60-2c5d8e1b7a43";

  @Test
  @DisplayName("the key, whole, upper-cased or cut short, leaves no log line, in text or JSON, message or stack trace")
  void keyNeverLogged() {
    KeyRedactor key = new KeyRedactor(ARK_KEY);
    LogRecord record = new LogRecord(Level.WARNING, "upstream said " + ARK_KEY.toUpperCase(Locale.ROOT));
    record.setLoggerName("dev.seedstream.test");
    record.setThrown(new IllegalStateException("bad key " + ARK_KEY.substring(2)));
    for (String line : new String[] {new KeyRedactingFormatter(new SimpleFormatter(), key).format(record),
      new KeyRedactingFormatter(new JsonLogFormatter(), key).format(record)}) {
      assertThat(line).contains("upstream said [redacted]").contains("bad key [redacted]")
        .doesNotContainIgnoringCase(ARK_KEY.substring(2, 14)).doesNotContainIgnoringCase(ARK_KEY.substring(24));
    }
  }

  @Test
  @DisplayName("issue 27: a key learnt after start-up (a reloaded pool) is taken out of every line from then on")
  void rotatedKeyIsRedactedToo() {
    String rotated = "sk-rotated-0123456789abcdefghij";
    KeyRedactingFormatter formatter = new KeyRedactingFormatter(new SimpleFormatter(), new KeyRedactor(ARK_KEY));
    LogRecord record = new LogRecord(Level.INFO, "new key in use: " + rotated);
    assertThat(formatter.format(record)).contains(rotated);
    KeyRedactingFormatter.redactAlso(rotated);
    assertThat(formatter.format(record)).contains("new key in use: [redacted]").doesNotContain("0123456789abcdef");
  }
}
