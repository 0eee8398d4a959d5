package dev.seedstream.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A Linux thread's scheduling policy, as its {@code stat} file under {@code /proc} gives it (5: {@code SCHED_IDLE}). */
public final class SchedulingPolicy {

  public static final int IDLE = 5;

  private SchedulingPolicy() {
  }

  /** The policy in {@code stat}, a thread's {@code /proc/.../stat} file. */
  public static int of(Path stat) {
    try {
      String fields = Files.readString(stat);
      // Fields after the parenthesised name, which may hold spaces; the policy is field 41.
      return Integer.parseInt(fields.substring(fields.lastIndexOf(')') + 2).split(" ")[41 - 3]);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The calling thread's policy. */
  public static int current() {
    return of(Path.of("/proc/thread-self/stat"));
  }
}
