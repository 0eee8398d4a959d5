package dev.seedstream.bench;

import dev.seedstream.bench.Harness.RunResult;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * S4: few streams receiving multi-MiB {@code b64_json} events. The figure that matters is when the event's
 * last byte arrives (a relay that waits for a whole event before sending pays the transfer time twice); the
 * first byte's latency shows whether a relay cuts through. Also CPU seconds per GiB and the relay's peak RSS.
 */
final class LargeEvents {

  private LargeEvents() {
  }

  static void run(Harness h, Report report) {
    BenchSettings s = h.settings;
    int largest = s.largeSizesMiB().stream().max(Integer::compare).orElseThrow();
    warmUp(h, largest);
    JsonObject json = new JsonObject().put("streams", s.largeStreams()).put("events_per_stream", s.largeEvents())
      .put("aggregate_mib_per_second", s.largeMiBPerSecond()).put("repetitions", s.largeReps())
      .put("warmup", "one unmeasured pass at " + largest + " MiB per comparator");
    StringBuilder md = new StringBuilder("Each stream receives " + s.largeEvents() + " `b64_json` events, phases "
      + "spread evenly so that all streams together carry " + s.largeMiBPerSecond() + " MiB/s. Latency in ms; "
      + "\"added\" = comparator − direct, median of " + s.largeReps() + " repetition(s). Peak RSS is the relay's "
      + "VmHWM during the run. Peak direct memory is a Seedstream relay's off-heap buffer memory (JVM direct "
      + "buffers, its event block pool among them, plus Netty's own), the highest of its /metrics sampled every "
      + "250 ms; nginx has no such figure, its RSS holds its buffers. Relay CPU above 90 % means the relay was saturated and its latency is queueing. "
      + "Before the first size every comparator relays one unmeasured pass at " + largest + " MiB, so that its "
      + "buffers and pools are as warm as in a long-running service.\n");
    for (int mib : s.largeSizesMiB()) {
      LatencyComparison last = new LatencyComparison(measure(h, mib), st -> st.lastByte);
      json.put(mib + "MiB", section(h, mib, last, md));
      if (mib == s.largeSizesMiB().get(s.largeSizesMiB().size() - 1)) {
        targets(h, report, mib, last);
      }
    }
    report.section("s4_large_events", "S4 large events (" + s.largeStreams() + " streams × "
      + s.largeSizesMiB() + " MiB b64_json)", json, md.toString());
  }

  /**
   * The targets for the largest size, for the default profile (store on) against nginx in the same run: added
   * last-byte p50 ≤ 1.2× and p99 ≤ 2×, CPU per GiB ≤ nginx's; and /api's added p99 with the store on against
   * off within 10 %. The tuned profile's ratios are listed too.
   */
  private static void targets(Harness h, Report report, int mib, LatencyComparison last) {
    double nginxCpu = cpuPerGiB(last, "nginx");
    for (Comparator c : h.comparators) {
      if (!c.isSeedstream()) {
        continue;
      }
      String n = c.name();
      boolean headline = n.startsWith("seedstream_");
      for (double p : new double[] {50, 99}) {
        double ratio = last.ratioToNginx(n, p);
        double goal = p == 50 ? 1.2 : 2;
        report.target("S4 added last-byte p" + LatencyComparison.label(p) + ", " + mib + " MiB (" + c.label() + ") ≤ "
            + Report.fmt(goal, 1) + "× nginx", Report.fmt(ratio, 2) + "× (" + ms(last.added(n, p)) + " ms vs "
            + ms(last.added("nginx", p)) + " ms; repetitions " + last.ratiosPerRep(n, p) + ")",
          "≤ " + Report.fmt(goal, 1) + "×", !headline || Double.isNaN(ratio) ? null : ratio <= goal);
      }
      double cpu = cpuPerGiB(last, n);
      report.target("S4 CPU per GiB, " + mib + " MiB (" + c.label() + ") ≤ nginx", Report.fmt(cpu / nginxCpu, 2)
        + "× (" + Report.fmt(cpu, 2) + " s vs " + Report.fmt(nginxCpu, 2) + " s)", "≤ 1×", headline ? cpu <= nginxCpu : null);
    }
    if (h.comparators.stream().anyMatch(c -> c.name().equals("nostore_api"))) {
      double on = last.added("seedstream_api", 99);
      double off = last.added("nostore_api", 99);
      report.target("S4 /api added last-byte p99, " + mib + " MiB, store on against off (default profile), within 10 %",
        Report.fmt(100 * (on - off) / off, 0) + " % (" + ms(on) + " ms on, " + ms(off) + " ms off)", "≤ +10 %",
        on <= off * 1.1);
    }
  }

  private static double cpuPerGiB(LatencyComparison last, String n) {
    return last.medianOf(n, r -> r.meter().cpuSeconds() / (r.stats().eventBytes / (double) (1L << 30)));
  }

  /**
   * The design warms every scenario up. Here that matters most for the gateway's event block pool: it keeps
   * the blocks it has allocated, and on this kind of VM a fresh block costs about 3–5 ms per MiB in page
   * faults the first time it is filled (results/2026-11-25-pretouch/notes.md), once in a process's life.
   */
  private static void warmUp(Harness h, int mib) {
    BenchSettings s = h.settings;
    long intervalMs = intervalMs(s, mib);
    for (Comparator c : h.comparators) {
      RunResult r = h.runFinite(c, s.largeStreams(), i -> new StreamProfile(s.largeEvents(), intervalMs,
        i * intervalMs / s.largeStreams(), mib << 20, false), 0, 0, s.largeEvents() * intervalMs);
      BenchMain.log("S4 warm-up " + mib + " MiB " + c.name() + ": " + SmallEvents.brief(r));
    }
  }

  private static List<Map<String, RunResult>> measure(Harness h, int mib) {
    BenchSettings s = h.settings;
    long intervalMs = intervalMs(s, mib);
    long sendingMs = s.largeEvents() * intervalMs;
    List<Map<String, RunResult>> reps = new ArrayList<>();
    for (int rep = 0; rep < s.largeReps(); rep++) {
      Map<String, RunResult> byName = new LinkedHashMap<>();
      for (Comparator c : h.comparators) {
        RunResult r = h.runFinite(c, s.largeStreams(), i -> new StreamProfile(s.largeEvents(), intervalMs,
          i * intervalMs / s.largeStreams(), mib << 20, false), 0, 0, sendingMs, true);
        byName.put(c.name(), r);
        BenchMain.log("S4 " + mib + " MiB rep " + (rep + 1) + " " + c.name() + ": " + SmallEvents.brief(r));
      }
      reps.add(byName);
    }
    return reps;
  }

  /** Each stream's interval, so that all streams together send {@code largeMiBPerSecond}. */
  static long intervalMs(BenchSettings s, int mib) {
    return Math.max(100, (long) s.largeStreams() * mib * 1000 / s.largeMiBPerSecond());
  }

  private static JsonObject section(Harness h, int mib, LatencyComparison last, StringBuilder md) {
    Table table = new Table("comparator", "events", "last byte p50", "p99", "added last byte p50", "added p99",
      "added p50 ×nginx", "first byte p50", "relay CPU s/GiB", "relay CPU %", "relay peak RSS MiB",
      "relay peak direct MiB", "errors");
    LatencyComparison first = new LatencyComparison(last.reps(), st -> st.firstByte);
    JsonObject json = new JsonObject();
    for (Comparator c : h.comparators) {
      String n = c.name();
      double cpuPerGiB = last.medianOf(n, r -> r.meter().cpuSeconds() / (r.stats().eventBytes / (double) (1L << 30)));
      double cpuPct = last.medianOf(n, r -> 100 * r.meter().cpuSeconds() / r.meter().wallSeconds());
      double peakMiB = last.medianOf(n, r -> r.meter().rssPeakKiB() < 0 ? Double.NaN : r.meter().rssPeakKiB() / 1024.0);
      double directMiB = last.medianOf(n, r -> r.meter().directPeakBytes() < 0 ? Double.NaN : r.meter().directPeakBytes() / (double) (1 << 20));
      long events = Math.round(last.medianOf(n, r -> (double) r.stats().events));
      long errors = Math.round(last.medianOf(n, r -> (double) r.stats().errorCount()));
      json.put(n, last.toJson(n).put("first_byte_p50_us", Report.num(first.absolute(n, 50), 1))
        .put("relay_cpu_s_per_gib", Report.num(cpuPerGiB, 3)).put("relay_cpu_pct", Report.num(cpuPct, 1))
        .put("relay_peak_rss_mib", Report.num(peakMiB, 1)).put("relay_peak_direct_mib", Report.num(directMiB, 1)));
      table.row(c.label(), events, ms(last.absolute(n, 50)), ms(last.absolute(n, 99)),
        c.isDirect() ? "–" : ms(last.added(n, 50)), c.isDirect() ? "–" : ms(last.added(n, 99)),
        c.isDirect() ? "–" : Report.fmt(last.ratioToNginx(n, 50), 2), ms(first.absolute(n, 50)),
        Report.fmt(cpuPerGiB, 2), Report.fmt(cpuPct, 0), Report.fmt(peakMiB, 0), Report.fmt(directMiB, 0), errors);
    }
    md.append("\n### ").append(mib).append(" MiB events\n\n").append(table);
    return json;
  }

  private static String ms(double micros) {
    return Report.fmt(micros / 1000, 2);
  }
}
