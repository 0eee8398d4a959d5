package dev.seedstream.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * Reads a relay process from the outside: CPU time (utime + stime of /proc/pid/stat), resident memory
 * (VmRSS, and the peak VmHWM, which /proc/pid/clear_refs resets per scenario), open fds, and for a JVM the
 * live heap after a full GC through {@code jcmd}. Nothing runs inside the relay, so every relay is measured
 * the same way.
 */
final class ProcessProbe {

  private final String name;
  private final long pid;
  private final boolean jvm;
  private final long ticksPerSecond;
  /** Whether this harness stopped it last (it starts running). */
  private boolean frozen;

  ProcessProbe(String name, long pid, boolean jvm, long ticksPerSecond) {
    this.name = name;
    this.pid = pid;
    this.jvm = jvm;
    this.ticksPerSecond = ticksPerSecond;
  }

  String name() {
    return name;
  }

  long pid() {
    return pid;
  }

  boolean jvm() {
    return jvm;
  }

  /** SIGSTOP: the process keeps its memory and sockets but takes no CPU and wakes no thread until {@link #thaw()}. */
  void freeze() {
    signal("-STOP");
    frozen = true;
  }

  boolean frozen() {
    return frozen;
  }

  /** SIGCONT. Harmless on a process that is not stopped. */
  void thaw() {
    signal("-CONT");
    frozen = false;
  }

  /** A relay that is gone is left to fail its own runs, not every other comparator's through this. */
  private void signal(String signal) {
    if (!alive()) {
      return;
    }
    try {
      Process kill = new ProcessBuilder("kill", signal, Long.toString(pid)).redirectErrorStream(true).start();
      if ((!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) && alive()) {
        throw new IllegalStateException("kill " + signal + " " + pid + " (" + name + ") failed");
      }
    } catch (IOException e) {
      throw new IllegalStateException("kill " + signal + " " + pid, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  boolean alive() {
    return Files.exists(proc("stat"));
  }

  double cpuSeconds() {
    String stat = read("stat");
    // The command name may hold spaces; the numbered fields start after its closing parenthesis.
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
    long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    return ticks / (double) ticksPerSecond;
  }

  long rssKiB() {
    return statusKiB("VmRSS:");
  }

  long peakRssKiB() {
    return statusKiB("VmHWM:");
  }

  /** Makes VmHWM start again from the current RSS; needs root or the same user, which run.sh has. */
  void resetPeakRss() {
    try {
      Files.writeString(proc("clear_refs"), "5");
    } catch (IOException e) {
      // Older kernels or no permission: the peak then spans the whole process life, which the report says.
    }
  }

  int openFds() {
    try (var list = Files.list(proc("fd"))) {
      return (int) list.count();
    } catch (IOException e) {
      return -1;
    }
  }

  /**
   * Live heap in KiB: the objects a full collection keeps ({@code jcmd GC.class_histogram} collects first), less
   * every {@code int[]}. SerialGC's full collection leaves dead objects where they lie, filled with {@code int[]}
   * filler arrays, while they are under 5 % of the old generation ({@code MarkSweepDeadRatio}): up to about
   * 50 MiB of a 1 GiB heap that {@code GC.heap_info}'s "used" counts as live, differently after every
   * collection, which made two levels of held streams disagree by 20 KiB per stream. The gateway keeps
   * almost no {@code int[]} per stream (none with {@code -XX:MarkSweepDeadRatio=0}), so leaving them all out
   * costs nothing in the per-stream difference.
   */
  OptionalLong liveHeapKiB() {
    if (!jvm) {
      return OptionalLong.empty();
    }
    long total = -1;
    long intArrays = 0;
    for (String line : jcmd("GC.class_histogram").split("\n")) {
      String[] fields = line.trim().split("\\s+");
      if (fields.length >= 3 && fields[0].equals("Total")) {
        total = Long.parseLong(fields[2]);
      } else if (fields.length >= 4 && fields[0].endsWith(":") && fields[3].equals("[I")) {
        intArrays = Long.parseLong(fields[2]);
      }
    }
    return total < 0 ? OptionalLong.empty() : OptionalLong.of((total - intArrays) / 1024);
  }

  private String jcmd(String command) {
    try {
      Process process = new ProcessBuilder("jcmd", Long.toString(pid), command).redirectErrorStream(true).start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      process.waitFor(60, TimeUnit.SECONDS);
      return out;
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  private long statusKiB(String key) {
    for (String line : read("status").split("\n")) {
      if (line.startsWith(key)) {
        return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
      }
    }
    return -1;
  }

  private String read(String file) {
    try {
      return Files.readString(proc(file));
    } catch (IOException e) {
      throw new IllegalStateException(name + " (pid " + pid + ") is gone: " + e.getMessage(), e);
    }
  }

  private Path proc(String file) {
    return Path.of("/proc", Long.toString(pid), file);
  }
}
