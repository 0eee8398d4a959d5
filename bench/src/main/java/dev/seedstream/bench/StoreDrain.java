package dev.seedstream.bench;

import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Waits, before a Seedstream relay is stopped for another comparator's run, until its image store has caught up:
 * nothing being stored, nothing waiting for a download slot or for the history database. A store stopped
 * mid-work (SIGSTOP) resumed its backlog during the same process's next run, so a /v1 run competed with the
 * images of the /api run before it, and downloads and history writes frozen for a minute ran past their
 * timeouts once thawed (the gateway's log then reported a history thread "blocked" for as long as it had been
 * stopped). The wait is logged with its length: how long the store took to catch up is a figure too.
 */
final class StoreDrain {

  /** What a busy store shows; each must read 0. */
  private static final Pattern BUSY = Pattern.compile(
    "^(seedstream_images_storing|seedstream_store_backlog|seedstream_store_unrecorded_writes) ([0-9.E]+)$", Pattern.MULTILINE);
  /** Longer than S2's warm-up takes to store what it could not keep up with on this machine (about 20 s). */
  private static final long LONGEST_MS = 180_000;

  private StoreDrain() {
  }

  /** Returns once the store on {@code port} is idle, or after {@link #LONGEST_MS} (logged); {@code port} -1: no store. */
  static void await(ProcessProbe relay, int port) {
    if (port < 0 || !relay.alive()) {
      return;
    }
    long start = System.nanoTime();
    long waitedMs = 0;
    boolean busyOnce = false;
    while (waitedMs < LONGEST_MS) {
      String busy = busy(port);
      if (busy.isEmpty()) {
        if (busyOnce) {
          BenchMain.log(relay.name() + ": store caught up in " + waitedMs + " ms before it was stopped");
        }
        return;
      }
      busyOnce = true;
      sleep();
      waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }
    BenchMain.log(relay.name() + ": store still busy after " + LONGEST_MS + " ms (" + busy(port) + "); stopped anyway");
  }

  /** The busy gauges that are not 0, as "name value" pairs; empty when the store is idle or has no metrics. */
  private static String busy(int port) {
    String page = RelayMetrics.scrape(port, 5_000);
    if (page == null) {
      // No answer: nothing to wait for (the relay is checked and measured elsewhere).
      return "";
    }
    StringBuilder busy = new StringBuilder();
    Matcher m = BUSY.matcher(page);
    while (m.find()) {
      if (Double.parseDouble(m.group(2)) != 0) {
        busy.append(busy.isEmpty() ? "" : ", ").append(m.group(1)).append(' ').append(m.group(2));
      }
    }
    return busy.toString();
  }

  private static void sleep() {
    try {
      Thread.sleep(200);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
