package dev.seedstream.observe;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

/**
 * One JSON object per log line ({@code SEEDSTREAM_LOG_FORMAT=json}), for log shippers. Messages are
 * encoded by Jackson, so a newline in a message can never start a forged line.
 */
public final class JsonLogFormatter extends Formatter {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public String format(LogRecord record) {
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("time", Instant.ofEpochMilli(record.getMillis()).toString());
    line.put("level", record.getLevel().getName());
    line.put("logger", record.getLoggerName());
    line.put("message", formatMessage(record));
    if (record.getThrown() != null) {
      line.put("error", record.getThrown().toString());
    }
    try {
      return JSON.writeValueAsString(line) + System.lineSeparator();
    } catch (JsonProcessingException e) {
      return "{\"level\":\"SEVERE\",\"message\":\"unloggable record\"}" + System.lineSeparator();
    }
  }
}
