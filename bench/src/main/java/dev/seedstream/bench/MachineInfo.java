package dev.seedstream.bench;

import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The machine a run was taken on, as the design asks every result to record it. */
final class MachineInfo {

  private MachineInfo() {
  }

  static JsonObject describe() {
    List<String> cpuinfo = lines("/proc/cpuinfo");
    String model = cpuinfo.stream().filter(l -> l.startsWith("model name")).findFirst()
      .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("unknown");
    long cpus = cpuinfo.stream().filter(l -> l.startsWith("processor")).count();
    String memTotal = lines("/proc/meminfo").stream().filter(l -> l.startsWith("MemTotal")).findFirst()
      .map(l -> Report.fmt(Long.parseLong(l.replaceAll("\\D", "")) / (double) (1 << 20), 1) + " GiB")
      .orElse("unknown");
    return new JsonObject().put("nproc", cpus).put("cpu_model", model).put("memory", memTotal)
      .put("kernel", first("/proc/sys/kernel/osrelease"))
      .put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"))
      .put("fd_limit_per_process", IdleCapacity.fdLimit());
  }

  /** CPU seconds all processes spent so far (user, nice, system, irq, softirq, steal), from /proc/stat. */
  static double busyCpuSeconds(long ticksPerSecond) {
    String[] f = first("/proc/stat").split("\\s+");
    long busy = 0;
    for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
      busy += f.length > i ? Long.parseLong(f[i]) : 0;
    }
    return busy / (double) ticksPerSecond;
  }

  static String loadAverage() {
    return first("/proc/loadavg");
  }

  private static String first(String path) {
    List<String> all = lines(path);
    return all.isEmpty() ? "unknown" : all.get(0).trim();
  }

  private static List<String> lines(String path) {
    try {
      return Files.readAllLines(Path.of(path));
    } catch (IOException e) {
      return List.of();
    }
  }
}
