package dev.seedstream.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a relay process from the outside: CPU time (utime + stime of /proc/pid/stat), resident memory
 * (VmRSS, and the peak VmHWM, which /proc/pid/clear_refs resets per scenario), open fds, and for a JVM the
 * live heap after a full GC through {@code jcmd}. Nothing runs inside the relay, so every relay is measured
 * the same way.
 */
final class ProcessProbe {

  private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");

  private final String name;
  private final long pid;
  private final boolean jvm;
  private final long ticksPerSecond;

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
  }

  /** SIGCONT. Harmless on a process that is not stopped. */
  void thaw() {
    signal("-CONT");
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

  /** Live heap after a full GC, in KiB: the sum of the generations' "used" figures from GC.heap_info. */
  OptionalLong liveHeapKiB() {
    if (!jvm) {
      return OptionalLong.empty();
    }
    jcmd("GC.run");
    String info = jcmd("GC.heap_info");
    long used = 0;
    boolean found = false;
    for (String line : info.split("\n")) {
      String trimmed = line.trim();
      if (trimmed.startsWith("Metaspace") || trimmed.startsWith("class space")) {
        continue;
      }
      Matcher m = HEAP_USED.matcher(trimmed);
      if ((trimmed.contains("generation") || trimmed.contains("heap")) && m.find()) {
        used += Long.parseLong(m.group(1));
        found = true;
      }
    }
    return found ? OptionalLong.of(used) : OptionalLong.empty();
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
