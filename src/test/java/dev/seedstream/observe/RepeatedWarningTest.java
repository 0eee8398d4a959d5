package dev.seedstream.observe;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;

class RepeatedWarningTest {

  @Test
  @DisplayName("a thousand alike warnings in a minute make one line, and the next minute's first line counts the rest")
  void oneLinePerIntervalWithACount() {
    Logger log = Logger.getLogger("repeated-warning-test");
    log.setUseParentHandlers(false);
    List<String> lines = new ArrayList<>();
    log.addHandler(new Handler() {
      @Override public void publish(LogRecord record) {
        lines.add(record.getMessage());
      }
      @Override public void flush() { }
      @Override public void close() { }
    });
    long[] now = {0};
    RepeatedWarning warning = new RepeatedWarning(log, 60_000, () -> now[0]);
    int[] built = {0};
    for (int i = 0; i < 1000; i++) {
      int image = i;
      warning.warn("refused", () -> {
        built[0]++;
        return "image " + image + " not persisted: only https image URLs are downloaded";
      });
    }
    warning.warn("disk", () -> "image 5 not persisted: disk error");
    assertThat(lines).containsExactly("image 0 not persisted: only https image URLs are downloaded",
      "image 5 not persisted: disk error");
    now[0] = 61_000_000_000L;
    // The 999 left out were counted, never built.
    assertThat(built[0]).isEqualTo(1);
    warning.warn("refused", () -> "image 1000 not persisted: only https image URLs are downloaded");
    assertThat(lines.get(2)).startsWith("image 1000 not persisted").contains("and 999 more like it in the last 60 s");
  }
}
