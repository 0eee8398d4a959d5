package dev.seedstream.observe;

import java.util.logging.LogManager;

/**
 * The JDK's log manager removes and closes every handler in a shutdown hook of its own, which runs at the same
 * time as the gateway's drain hook, so the drain's lines ("draining…", "stopped") were lost. Installed by
 * {@code Main} as the log manager, this one ignores that reset and keeps its handlers until the process ends;
 * the console handler flushes every record as it writes it, so nothing is left unwritten.
 */
public final class DrainLogManager extends LogManager {

  private static final String JDK_CLEANER = "java.util.logging.LogManager$Cleaner";

  @Override
  public void reset() {
    if (Thread.currentThread().getClass().getName().equals(JDK_CLEANER)) {
      return;
    }
    super.reset();
  }
}
