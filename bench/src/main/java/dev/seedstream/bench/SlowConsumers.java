package dev.seedstream.bench;

import dev.seedstream.bench.Harness.RunResult;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * S7: a share of the readers stop reading after the response head. Run twice per comparator, without and
 * with paused readers (interleaved), to see whether the fast readers' latency suffers and whether the
 * relay's memory keeps growing while data for paused readers piles up. Paused readers resume at the end.
 */
final class SlowConsumers {

  private SlowConsumers() {
  }

  static void run(Harness h, Report report) {
    BenchSettings s = h.settings;
    long sendingMs = s.slowEvents() * s.slowIntervalMs();
    Map<String, RunResult> control = new LinkedHashMap<>();
    Map<String, RunResult> paused = new LinkedHashMap<>();
    Map<String, long[]> memory = new LinkedHashMap<>();
    Map<String, long[]> controlMemory = new LinkedHashMap<>();
    for (Comparator c : h.comparators) {
      long[] rss = new long[3];
      control.put(c.name(), once(h, c, 0, sendingMs, rss));
      controlMemory.put(c.name(), rss);
      BenchMain.log("S7 control " + c.name() + ": " + SmallEvents.brief(control.get(c.name())) + ", RSS mid/end/max KiB "
        + rss[0] + "/" + rss[1] + "/" + rss[2]);
    }
    for (Comparator c : h.comparators) {
      long[] rss = new long[3];
      paused.put(c.name(), once(h, c, s.slowPausedEvery(), sendingMs, rss));
      memory.put(c.name(), rss);
      BenchMain.log("S7 paused " + c.name() + ": " + SmallEvents.brief(paused.get(c.name())) + ", RSS mid/end/max KiB "
        + rss[0] + "/" + rss[1] + "/" + rss[2]);
    }
    write(h, report, control, paused, controlMemory, memory, sendingMs);
  }

  private static RunResult once(Harness h, Comparator c, int pausedEvery, long sendingMs, long[] rss) {
    BenchSettings s = h.settings;
    try (Sampler sampler = Sampler.rss(c.relay(), 200)) {
      RunResult r = h.runFinite(c, s.slowStreams(), i -> new StreamProfile(s.slowEvents(), s.slowIntervalMs(),
        i * s.slowIntervalMs() / s.slowStreams(), s.slowPayloadBytes(), false), pausedEvery, 0, sendingMs);
      rss[0] = sampler.at(sendingMs / 2);
      rss[1] = sampler.at(sendingMs);
      rss[2] = sampler.max();
      return r;
    }
  }

  private static void write(Harness h, Report report, Map<String, RunResult> control, Map<String, RunResult> paused,
                            Map<String, long[]> controlMemory, Map<String, long[]> memory, long sendingMs) {
    BenchSettings s = h.settings;
    int pausedStreams = s.slowStreams() / s.slowPausedEvery();
    double pausedMiBSecondHalf = pausedStreams * (s.slowEvents() / 2.0) * s.slowPayloadBytes() / (double) (1 << 20);
    LatencyComparison noPause = new LatencyComparison(List.of(control), st -> st.lastByte);
    LatencyComparison withPause = new LatencyComparison(List.of(paused), st -> st.lastByte);
    JsonObject json = new JsonObject().put("streams", s.slowStreams()).put("paused_streams", pausedStreams)
      .put("payload_bytes", s.slowPayloadBytes()).put("events_per_stream", s.slowEvents())
      .put("interval_ms", s.slowIntervalMs()).put("paused_bytes_second_half_mib", Report.round(pausedMiBSecondHalf, 1));
    Table table = new Table("comparator", "fast p99 ms, none paused", "fast p99 ms, 10 % paused", "change",
      "relay RSS MiB at ½ / end of sending (paused run)", "RSS growth 2nd half MiB: none paused / paused", "flat",
      "errors");
    for (Comparator c : h.comparators) {
      String n = c.name();
      double before = noPause.absolute(n, 99);
      double after = withPause.absolute(n, 99);
      long[] rss = memory.get(n);
      double growthMiB = growthMiB(c, rss);
      double controlGrowthMiB = growthMiB(c, controlMemory.get(n));
      double extraMiB = growthMiB - controlGrowthMiB;
      Boolean flat = Double.isNaN(extraMiB) ? null : extraMiB <= Math.max(8, 0.25 * pausedMiBSecondHalf);
      long errors = control.get(n).stats().errorCount() + paused.get(n).stats().errorCount();
      json.put(n, new JsonObject().put("control", noPause.toJson(n)).put("paused", withPause.toJson(n))
        .put("relay_rss_mid_kib", rss[0]).put("relay_rss_end_kib", rss[1]).put("relay_rss_max_kib", rss[2])
        .put("relay_rss_none_paused_mid_kib", controlMemory.get(n)[0])
        .put("relay_rss_none_paused_end_kib", controlMemory.get(n)[1])
        .put("relay_rss_growth_second_half_mib", Report.num(growthMiB, 1))
        .put("relay_rss_growth_second_half_none_paused_mib", Report.num(controlGrowthMiB, 1)).put("flat", flat));
      table.row(c.label(), Report.fmt(before / 1000, 2), Report.fmt(after / 1000, 2),
        Report.fmt(100 * (after - before) / before, 0) + " %",
        c.isDirect() ? "–" : Report.fmt(rss[0] / 1024.0, 0) + " / " + Report.fmt(rss[1] / 1024.0, 0),
        Report.fmt(controlGrowthMiB, 1) + " / " + Report.fmt(growthMiB, 1), flat == null ? "–" : flat ? "yes" : "**no**",
        errors);
      if (n.equals("seedstream_api")) {
        report.target("S7 memory flat with 10 % paused (Seedstream /api)", Report.fmt(extraMiB, 1)
          + " MiB more RSS growth over the 2nd half than with none paused (" + Report.fmt(pausedMiBSecondHalf, 1)
          + " MiB went to paused readers then)", "≤ max(8 MiB, ¼ of that)", flat);
      }
    }
    report.section("s7_slow_consumers", "S7 slow consumers (" + s.slowStreams() + " streams, every "
      + s.slowPausedEvery() + "th paused, " + (s.slowPayloadBytes() >> 10) + " KiB b64 events)", json,
      "Fast readers' last-byte p99 without and with paused readers; the relay's RSS sampled every 200 ms while the "
        + "upstream sends (" + sendingMs + " ms). \"Flat\" = the paused run's RSS growth over the second half exceeds "
        + "the same run's without pauses by at most max(8 MiB, a quarter of the bytes sent to paused readers in that "
        + "half): growth that every run has (e.g. a job log) is not charged to the paused readers.\n\n" + table);
  }

  private static double growthMiB(Comparator c, long[] rss) {
    return c.isDirect() || rss[0] < 0 || rss[1] < 0 ? Double.NaN : (rss[1] - rss[0]) / 1024.0;
  }
}
