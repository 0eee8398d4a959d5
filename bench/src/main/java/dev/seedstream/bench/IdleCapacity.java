package dev.seedstream.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * S1: hold ever more idle streams open through each relay (the upstream sends its head, then nothing) and
 * read what each costs: RSS and, for the JVM, live heap after a full GC, per stream against the empty relay;
 * open fds; and the relay's CPU while idle. Stops at the process fd limit ("box limit"), which on this box
 * (20000 per process, not raisable) caps a relay at about 9.9k streams: two sockets per relayed stream.
 */
final class IdleCapacity {

  /** Longer than the gateway's job retention in run.sh (5 s): the warm-up's jobs must be gone from the baseline. */
  private static final long SETTLE_MS = 6_000;

  private IdleCapacity() {
  }

  static void run(Harness h, Report report) {
    JsonObject json = new JsonObject().put("levels", new JsonArray(h.settings.idleLevels()))
      .put("idle_window_ms", h.settings.idleWindowMs());
    Table table = new Table("comparator", "streams held", "errors", "relay RSS MiB", "RSS KiB/stream",
      "live heap KiB/stream", "relay fds", "idle CPU % (per 1k streams)");
    Set<Long> settled = new HashSet<>();
    for (Comparator c : h.relays()) {
      // Idle memory is a property of the gateway's defaults: the default profile's /api against nginx.
      if (c.isSeedstream() && !c.name().equals("seedstream_api")) {
        continue;
      }
      h.focus(c);
      if (c.relay().jvm() && settled.add(c.relay().pid())) {
        Harness.sleep(SETTLE_MS);
      }
      JsonArray levels = measure(h, c, table);
      json.put(c.name(), levels);
      if (c.name().equals("seedstream_api")) {
        targets(report, levels);
      }
    }
    report.section("s1_idle_capacity", "S1 idle capacity", json, "Streams held open with no events (the fake "
      + "upstream sent its response head only). Per-stream figures are (value at N − value with no stream) / N; "
      + "heap is the objects a full GC keeps (`jcmd GC.class_histogram`) less `int[]`, which is where SerialGC leaves "
      + "the dead space it does not compact (see ProcessProbe.liveHeapKiB). A JVM's RSS already holds heap pages "
      + "touched during the warm-up, so its RSS/stream can be below its heap/stream. Kernel socket memory is not in "
      + "RSS (about 3.9 KiB per socket on this box). Idle CPU over " + h.settings.idleWindowMs() + " ms (the gateway "
      + "sends its 15 s heartbeat on /api streams; nginx and the fake upstream send nothing).\n\n" + table);
  }

  private static JsonArray measure(Harness h, Comparator c, Table table) {
    ProcessProbe relay = c.relay();
    OptionalLong heap0 = relay.liveHeapKiB();
    long rss0 = relay.rssKiB();
    JsonArray levels = new JsonArray().add(new JsonObject().put("streams", 0).put("rss_kib", rss0)
      .put("live_heap_kib", heap0.isPresent() ? heap0.getAsLong() : null).put("fds", relay.openFds()));
    LoadClient.Run run = h.client.run(c);
    int held = 0;
    for (int n : h.settings.idleLevels()) {
      String limit = boxLimit(relay, n - held);
      if (limit != null) {
        levels.add(new JsonObject().put("streams", n).put("box_limit", limit));
        table.row(c.label(), n, "–", "box limit: " + limit, "", "", "", "");
        break;
      }
      boolean allAnswered = opened(run, n - held);
      held = n;
      Harness.sleep(500);
      JsonObject level = level(relay, run, n, rss0, heap0, h.settings.idleWindowMs())
        .put("all_answered_in_time", allAnswered);
      levels.add(level);
      BenchMain.log("S1 " + c.name() + " " + level.encode());
      table.row(c.label(), n + " (" + level.getLong("established") + " up)", level.getLong("errors"),
        Report.fmt(level.getLong("rss_kib") / 1024.0, 0), Report.fmt(level.getDouble("rss_kib_per_stream"), 1),
        heap0.isPresent() ? Report.fmt(level.getDouble("live_heap_kib_per_stream"), 1) : "–",
        level.getInteger("fds"), Report.fmt(level.getDouble("idle_cpu_pct"), 2) + " ("
          + Report.fmt(level.getDouble("idle_cpu_pct_per_1k"), 2) + ")");
    }
    h.upstream.releaseHeld();
    h.finish(run, 120_000);
    return levels;
  }

  /** Opens more held streams; false when some got no response head within two minutes (counted as not up). */
  private static boolean opened(LoadClient.Run run, int more) {
    try {
      run.open(more, i -> StreamProfile.held(), 0).await(120, TimeUnit.SECONDS);
      return true;
    } catch (TimeoutException e) {
      BenchMain.log("S1 " + run.target.name() + ": some of " + more + " streams got no response head in 120 s");
      return false;
    }
  }

  private static JsonObject level(ProcessProbe relay, LoadClient.Run run, int n, long rss0, OptionalLong heap0,
                                  long windowMs) {
    OptionalLong heap = relay.liveHeapKiB();
    long rss = relay.rssKiB();
    double cpu0 = relay.cpuSeconds();
    Harness.sleep(windowMs);
    double idlePct = 100 * (relay.cpuSeconds() - cpu0) / (windowMs / 1000.0);
    JsonObject level = new JsonObject().put("streams", n).put("established", run.stats.streamsEstablished)
      .put("errors", run.stats.errorCount()).put("error_classes", run.stats.errorsJson())
      .put("rss_kib", rss).put("rss_kib_per_stream", Report.round((rss - rss0) / (double) n, 2))
      .put("fds", relay.openFds()).put("idle_cpu_pct", Report.round(idlePct, 3))
      .put("idle_cpu_pct_per_1k", Report.round(idlePct / (n / 1000.0), 3));
    if (heap.isPresent() && heap0.isPresent()) {
      level.put("live_heap_kib", heap.getAsLong())
        .put("live_heap_kib_per_stream", Report.round((heap.getAsLong() - heap0.getAsLong()) / (double) n, 2));
    }
    return level;
  }

  /** Why {@code more} further streams would exceed a process's fd limit, or null when they fit. */
  private static String boxLimit(ProcessProbe relay, int more) {
    long limit = fdLimit();
    long ours = countOwnFds();
    // Each relayed stream costs the bench process two sockets (client and fake upstream) and the relay two.
    if (ours + 2L * more + 100 > limit) {
      return "the load process would need " + (ours + 2L * more) + " fds (limit " + limit + ")";
    }
    if (relay.openFds() + 2L * more + 100 > limit) {
      return "the relay would need " + (relay.openFds() + 2L * more) + " fds (limit " + limit + ")";
    }
    return null;
  }

  private static long countOwnFds() {
    try (var list = Files.list(Path.of("/proc/self/fd"))) {
      return list.count();
    } catch (IOException e) {
      return 0;
    }
  }

  static long fdLimit() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
        if (line.startsWith("Max open files")) {
          return Long.parseLong(line.substring(26).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException | NumberFormatException e) {
      // fall through to the usual default
    }
    return 1024;
  }

  private static void targets(Report report, JsonArray levels) {
    JsonObject top = null;
    for (int i = 1; i < levels.size(); i++) {
      if (!levels.getJsonObject(i).containsKey("box_limit")) {
        top = levels.getJsonObject(i);
      }
    }
    if (top == null) {
      report.target("S1 idle memory per relayed stream (Seedstream /api) ≤ 16 KiB", "no level measured", "≤ 16 KiB", null);
      return;
    }
    // A JVM's RSS already holds heap pages touched earlier (warm-up), so its RSS slope can undercount what
    // the streams occupy; the larger of RSS and live heap per stream is the honest figure.
    double rss = top.getDouble("rss_kib_per_stream");
    double heap = top.getDouble("live_heap_kib_per_stream", 0.0);
    double perStream = Math.max(rss, heap);
    report.target("S1 idle memory per relayed stream (Seedstream /api) ≤ 16 KiB", Report.fmt(perStream, 1)
      + " KiB at " + top.getInteger("streams") + " streams (RSS " + Report.fmt(rss, 1) + ", live heap "
      + Report.fmt(heap, 1) + ")", "≤ 16 KiB", perStream <= 16);
    boolean clean = top.getLong("established") == top.getInteger("streams").longValue() && top.getLong("errors") == 0;
    boolean tried = top.getInteger("streams") >= 8000;
    report.target("S1 8,000 concurrent streams with 0 errors (Seedstream /api)", top.getLong("established") + " of "
      + top.getInteger("streams") + " held, " + top.getLong("errors") + " errors", "8000 held, 0 errors",
      tried ? Boolean.valueOf(clean) : null);
  }
}
