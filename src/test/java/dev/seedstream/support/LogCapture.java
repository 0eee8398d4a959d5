package dev.seedstream.support;

import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/**
 * Every line the gateway logs while it is started, formatted as the console would print it, for the tests
 * that check what reaches the log (keys, tokens, signatures). Start it before the gateway, stop it after.
 */
public final class LogCapture extends Handler {

  private final SimpleFormatter format = new SimpleFormatter();
  private final List<String> lines = new ArrayList<>();
  private Level previousLevel;

  public LogCapture start() {
    setLevel(Level.ALL);
    Logger.getLogger("").addHandler(this);
    previousLevel = Logger.getLogger("dev.seedstream").getLevel();
    Logger.getLogger("dev.seedstream").setLevel(Level.ALL);
    return this;
  }

  public void stop() {
    Logger.getLogger("").removeHandler(this);
    Logger.getLogger("dev.seedstream").setLevel(previousLevel);
  }

  /** The lines so far. */
  public synchronized List<String> lines() {
    return List.copyOf(lines);
  }

  @Override
  public synchronized void publish(LogRecord record) {
    lines.add(format.format(record));
  }

  @Override
  public void flush() {
  }

  @Override
  public void close() {
  }
}
