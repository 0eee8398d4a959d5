package dev.seedstream.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Reads one figure of a relay on a thread of its own every few milliseconds, keeping each sample with its
 * time, so "memory stays flat" can be read off a time series and a peak off the samples.
 */
final class Sampler implements AutoCloseable {

  private final List<long[]> samples = new ArrayList<>();
  private final LongSupplier read;
  private final Thread thread;
  private final long startNanos = System.nanoTime();
  private volatile boolean running = true;

  /** Samples {@code read} while {@code keepGoing} holds, until closed. */
  Sampler(String name, long everyMs, BooleanSupplier keepGoing, LongSupplier read) {
    this.read = read;
    thread = new Thread(() -> {
      while (running && keepGoing.getAsBoolean()) {
        sampleNow();
        try {
          Thread.sleep(everyMs);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, name);
    thread.setDaemon(true);
    thread.start();
  }

  /** The relay's RSS in KiB; nothing is sampled for the direct comparator, which has no relay. */
  static Sampler rss(ProcessProbe relay, long everyMs) {
    return new Sampler("rss-sampler", everyMs, () -> relay != null && relay.alive(), () -> relay.rssKiB());
  }

  /** One more sample, taken on the calling thread. */
  void sampleNow() {
    long value = read.getAsLong();
    synchronized (samples) {
      samples.add(new long[] {System.nanoTime() - startNanos, value});
    }
  }

  /** The last sample taken at or before {@code ms} after the start; -1 when none. */
  long at(long ms) {
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

  /** The highest sample; -1 when none. */
  long max() {
    synchronized (samples) {
      return samples.stream().mapToLong(s -> s[1]).max().orElse(-1);
    }
  }

  /** Stops sampling and waits for the thread, so that no sample is taken after this returns. */
  @Override
  public void close() {
    running = false;
    thread.interrupt();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
