package dev.seedstream.observe;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.logging.Level;
import java.util.logging.LogRecord;

import static org.assertj.core.api.Assertions.assertThat;

class JsonLogFormatterTest {

  @Test
  @DisplayName("each record is one JSON line; a newline in a message cannot forge a second line")
  void oneLinePerRecord() {
    LogRecord record = new LogRecord(Level.WARNING, "job x failed\n{\"level\":\"INFO\",\"message\":\"forged\"}");
    record.setLoggerName("dev.seedstream.test");
    String line = new JsonLogFormatter().format(record);
    assertThat(line.strip()).doesNotContain("\n");
    JsonObject json = new JsonObject(line);
    assertThat(json.getString("level")).isEqualTo("WARNING");
    assertThat(json.getString("message")).startsWith("job x failed\n");
    assertThat(json.getString("logger")).isEqualTo("dev.seedstream.test");
  }
}
