package dev.seedstream;

import dev.seedstream.support.GatewayProcess;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 25: the heap's pre-touch moved out of start-up. The gateway listens first; then a thread in the idle
 * scheduling class backs the old generation with memory and says so, once.
 */
@DisplayName("The heap's warm-up after listening")
class HeapWarmupTest {

  private static final int SCHED_IDLE = 5;
  private static final Pattern WARM = Pattern.compile("heap warm: (\\d+) MiB");

  @Test
  @DisplayName("runs on a thread of its own in the idle scheduling class, and logs once when done")
  void runsIdleAndLogsOnce() throws Exception {
    MemoryPoolMXBean old = ManagementFactory.getMemoryPoolMXBeans().stream()
      .filter(pool -> pool.getName().equals("Tenured Gen")).findFirst().orElseThrow();
    // A reserve larger than the heap: no array here (this JVM's young generation is not the gateway's), only
    // the thread, the collection and the log line.
    HeapWarmup warmup = new HeapWarmup(old, 1 << 20, Long.MAX_VALUE / 4);
    List<String> seen = new ArrayList<>();
    Handler handler = new Handler() {
      @Override
      public void publish(LogRecord record) {
        // Called on the thread that logs: the warm-up's own.
        synchronized (seen) {
          seen.add(Thread.currentThread().getName() + " policy " + ownSchedulingPolicy() + ": " + record.getMessage());
        }
      }

      @Override
      public void flush() {
      }

      @Override
      public void close() {
      }
    };
    Logger logger = Logger.getLogger(HeapWarmup.class.getName());
    logger.addHandler(handler);
    Level level = logger.getLevel();
    logger.setLevel(Level.INFO);
    try {
      warmup.start().join();
    } finally {
      logger.removeHandler(handler);
      logger.setLevel(level);
    }
    assertThat(seen).singleElement().asString()
      .startsWith(HeapWarmup.THREAD_NAME + " policy " + SCHED_IDLE + ": heap warm: 0 MiB");
  }

  @Test
  @DisplayName("the gateway with a fixed heap that is not pre-touched listens first, then backs its heap with memory")
  void backsTheHeapAfterListening() throws Exception {
    int heapMiB = 160;
    try (GatewayProcess gateway = GatewayProcess.start("heap-warmup", Map.of("SEEDSTREAM_SIMULATE", "true"),
      List.of("-Xms" + heapMiB + "m", "-Xmx" + heapMiB + "m", "-Xmn16m", "-XX:+UseSerialGC", "-XX:-AlwaysPreTouch"))) {
      String log = gateway.awaitLog("heap warm", Duration.ofSeconds(60));
      assertThat(log.indexOf("heap warm")).isGreaterThan(log.indexOf("listening on"));
      Matcher warm = WARM.matcher(log);
      assertThat(warm.find()).isTrue();
      // The old generation less a young generation's reserve and the last array that did not fit.
      assertThat(Long.parseLong(warm.group(1))).isGreaterThan(heapMiB / 2);
      // The heap's mapping is backed by memory now; before, only what start-up had touched was (about a fifth).
      assertThat(residentKiB(gateway.pid(), heapMiB * 1024L)).isGreaterThan(heapMiB * 1024L * 2 / 3);
      assertThat(gateway.terminate(Duration.ofSeconds(10))).isTrue();
      assertThat(gateway.log().split("heap warm", -1)).as(gateway.log()).hasSize(2);
    }
  }

  /** The resident size of the process's mapping of exactly {@code sizeKiB}: the Java heap, reserved whole. */
  private static long residentKiB(long pid, long sizeKiB) throws IOException {
    long size = -1;
    Long resident = null;
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/smaps"))) {
      if (line.startsWith("Size:")) {
        size = kib(line);
      } else if (line.startsWith("Rss:") && size == sizeKiB) {
        assertThat(resident).as("one mapping of the heap's size").isNull();
        resident = kib(line);
      }
    }
    assertThat(resident).as("a mapping of " + sizeKiB + " KiB").isNotNull();
    return resident;
  }

  private static long kib(String smapsLine) {
    return Long.parseLong(smapsLine.replaceAll("[^0-9]", ""));
  }

  /** This thread's scheduling policy, field 41 of its stat (after the parenthesised name, which may hold spaces). */
  private static int ownSchedulingPolicy() {
    try {
      String stat = Files.readString(Path.of("/proc/thread-self/stat"));
      return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[41 - 3]);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
