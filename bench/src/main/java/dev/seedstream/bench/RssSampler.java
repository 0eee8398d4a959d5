package dev.seedstream.bench;

import java.util.ArrayList;
import java.util.List;

/** Samples a relay's RSS on a thread of its own, so "memory stays flat" can be read off a time series. */
final class RssSampler implements AutoCloseable {

  private final List<long[]> samples = new ArrayList<>();
  private final Thread thread;
  private final long startNanos = System.nanoTime();
  private volatile boolean running = true;

  RssSampler(ProcessProbe relay, long everyMs) {
    thread = new Thread(() -> {
      while (running && relay != null && relay.alive()) {
        long rss = relay.rssKiB();
        synchronized (samples) {
          samples.add(new long[] {System.nanoTime() - startNanos, rss});
        }
        try {
          Thread.sleep(everyMs);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "rss-sampler");
    thread.setDaemon(true);
    thread.start();
  }

  /** The last sample taken at or before {@code ms} after the start; -1 when none. */
  long rssAtKiB(long ms) {
    long found = -1;
    synchronized (samples) {
      for (long[] s : samples) {
        if (s[0] <= ms * 1_000_000L) {
          found = s[1];
        }
      }
    }
    return found;
  }

  long maxKiB() {
    synchronized (samples) {
      return samples.stream().mapToLong(s -> s[1]).max().orElse(-1);
    }
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
  }
}
