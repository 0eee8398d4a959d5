package dev.seedstream.bench;

import dev.seedstream.bench.Harness.RunResult;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * S2: many streams each receiving one small URL event per interval, their phases spread evenly, so the
 * relays see a steady event rate. Reports one-way latency added over direct and the relay's CPU per event.
 */
final class SmallEvents {

  private SmallEvents() {
  }

  static void run(Harness h, Report report) {
    BenchSettings s = h.settings;
    warmUp(h);
    List<Map<String, RunResult>> reps = new ArrayList<>();
    long sendingMs = s.smallEvents() * s.smallIntervalMs();
    for (int rep = 0; rep < s.smallReps(); rep++) {
      Map<String, RunResult> byName = new LinkedHashMap<>();
      for (Comparator c : h.comparators) {
        byName.put(c.name(), h.runFinite(c, s.smallStreams(), spread(s, s.smallEvents()), 0, s.smallDiscardMs(),
          sendingMs));
        BenchMain.log("S2 rep " + (rep + 1) + " " + c.name() + ": " + brief(byName.get(c.name())));
      }
      reps.add(byName);
    }
    LatencyComparison latency = new LatencyComparison(reps, st -> st.lastByte);
    JsonObject json = new JsonObject().put("streams", s.smallStreams())
      .put("events_per_second", s.smallStreams() * 1000.0 / s.smallIntervalMs())
      .put("events_per_stream", s.smallEvents()).put("warmup_discarded_ms", s.smallDiscardMs())
      .put("repetitions", s.smallReps())
      .put("warmup", s.smallWarmupSetups() + " one-event streams, then " + s.smallWarmupMs() / 1000
        + " s of this load, unmeasured, per comparator");
    Table table = new Table("comparator", "events received", "p50 µs", "p99 µs", "p99.9 µs", "added p50 µs", "added p99 µs",
      "added p99.9 µs", "added p99 ×nginx", "relay CPU µs/event (setup incl.)", "errors");
    for (Comparator c : h.comparators) {
      String n = c.name();
      double cpuPerEvent = latency.medianOf(n, r -> r.meter().cpuSeconds() * 1e6 / Math.max(1, r.stats().events));
      long events = reps.get(0).get(n).stats().events;
      long errors = reps.stream().mapToLong(rep -> rep.get(n).stats().errorCount()).sum();
      json.put(n, latency.toJson(n).put("relay_cpu_us_per_event", Report.num(cpuPerEvent, 1)));
      table.row(c.label(), events, f(latency.absolute(n, 50)), f(latency.absolute(n, 99)), f(latency.absolute(n, 99.9)),
        f(added(c, latency, 50)), f(added(c, latency, 99)), f(added(c, latency, 99.9)),
        c.isDirect() ? "–" : Report.fmt(latency.ratioToNginx(n, 99), 2), Report.fmt(cpuPerEvent, 1), errors);
    }
    // The first seconds of each repetition, left out above, in a table of their own: what the connection
    // storm costs is not hidden, only kept apart from steady sending.
    LatencyComparison opening = new LatencyComparison(reps, st -> st.openingLastByte);
    Table start = new Table("comparator", "p99 µs", "p99.9 µs", "max µs", "time to response head p99 ms");
    JsonObject openingJson = new JsonObject();
    for (Comparator c : h.comparators) {
      String n = c.name();
      double head = opening.medianOf(n, r -> RunStats.micros(r.stats().timeToHead, 99) / 1000);
      double max = opening.medianOf(n, r -> r.stats().openingLastByte.getMaxValue() / 1000.0);
      openingJson.put(n, new JsonObject().put("p99_us", Report.num(opening.absolute(n, 99), 0))
        .put("p99_9_us", Report.num(opening.absolute(n, 99.9), 0)).put("max_us", Report.num(max, 0))
        .put("time_to_head_p99_ms", Report.num(head, 1)));
      start.row(c.label(), f(opening.absolute(n, 99)), f(opening.absolute(n, 99.9)), f(max), Report.fmt(head, 1));
    }
    json.put("before_measured_window", openingJson);
    report.section("s2_small_events", "S2 small-event latency (" + s.smallStreams() + " streams, "
      + Report.fmt(s.smallStreams() * 1000.0 / s.smallIntervalMs(), 0) + " events/s)", json,
      "One-way latency from the fake upstream's write to the client's read of the event's last byte; "
        + "\"added\" = comparator − direct in the same repetition, median of " + s.smallReps() + ". Each "
        + "repetition opens its streams at once; events of its first " + s.smallDiscardMs() / 1000 + " s are not "
        + "in this table.\n\n" + table + "\nThose first " + s.smallDiscardMs() / 1000 + " s (all " + s.smallStreams()
        + " streams opening at once), absolute, median of the repetitions:\n\n" + start);
    targets(h, report, latency);
  }

  /**
   * The targets, for the default profile (the README's run command, store on) against nginx in the same run:
   * added p99 ≤ 1.5×, added p99.9 ≤ 2×, CPU per event ≤ 1.2×; and the store's cost, /api's added p99 with the
   * store on against the same profile with it off, within 10 %. The tuned profile's ratios are listed too.
   */
  private static void targets(Harness h, Report report, LatencyComparison latency) {
    double nginxCpu = cpuPerEvent(latency, "nginx");
    for (Comparator c : h.comparators) {
      if (!c.isSeedstream()) {
        continue;
      }
      String n = c.name();
      boolean headline = n.startsWith("seedstream_");
      for (double p : new double[] {99, 99.9}) {
        double ratio = latency.ratioToNginx(n, p);
        double goal = p == 99 ? 1.5 : 2;
        report.target("S2 added p" + LatencyComparison.label(p) + " (" + c.label() + ") ≤ " + Report.fmt(goal, 1)
            + "× nginx", Report.fmt(ratio, 2) + "× (" + f(latency.added(n, p)) + " µs vs " + f(latency.added("nginx", p))
            + " µs; repetitions " + latency.ratiosPerRep(n, p) + ")" + ratioBasis(latency, p),
          "≤ " + Report.fmt(goal, 1) + "×", !headline || Double.isNaN(ratio) ? null : ratio <= goal);
      }
      double cpu = cpuPerEvent(latency, n);
      report.target("S2 CPU per event (" + c.label() + ") ≤ 1.2× nginx", Report.fmt(cpu / nginxCpu, 2) + "× ("
        + Report.fmt(cpu, 1) + " µs vs " + Report.fmt(nginxCpu, 1) + " µs, setup included)", "≤ 1.2×",
        headline ? cpu / nginxCpu <= 1.2 : null);
    }
    if (h.comparators.stream().anyMatch(c -> c.name().equals("nostore_api"))) {
      double on = latency.added("seedstream_api", 99);
      double off = latency.added("nostore_api", 99);
      report.target("S2 /api added p99, store on against off (default profile), within 10 %",
        Report.fmt(100 * (on - off) / off, 0) + " % (" + f(on) + " µs on, " + f(off) + " µs off)", "≤ +10 %",
        on <= off * 1.1);
    }
  }

  static double cpuPerEvent(LatencyComparison latency, String name) {
    return latency.medianOf(name, r -> r.meter().cpuSeconds() * 1e6 / Math.max(1, r.stats().events));
  }

  /**
   * The design's warm-up (at least 30 s, for the JIT), per comparator. First many short streams: a relay's
   * per-stream setup (request parsing, validation, job, upstream connection) runs once per stream, so with
   * only S2's 1,000 streams per repetition a JVM relay kept crossing compile thresholds in every repetition,
   * and its compiler took 0.6–2.8 s of the relay's only core while the events it was measured on queued
   * (results/2026-11-26-s2-start/notes.md). Then S2's own load, so the measured repetitions start from a
   * relay in the state a long-running service is in.
   */
  private static void warmUp(Harness h) {
    BenchSettings s = h.settings;
    for (Comparator c : h.comparators) {
      RunResult setups = h.runFinite(c, s.smallWarmupSetups(), i -> new StreamProfile(1, 0, 0, 0, false), 0, 0, 0);
      int events = (int) Math.max(1, s.smallWarmupMs() / s.smallIntervalMs());
      RunResult load = h.runFinite(c, s.smallStreams(), spread(s, events), 0, 0, events * s.smallIntervalMs());
      BenchMain.log("S2 warm-up " + c.name() + ": " + s.smallWarmupSetups() + " setups in "
        + Report.fmt(setups.meter().wallSeconds(), 1) + " s (errors " + setups.stats().errors + "); " + brief(load));
    }
  }

  /** S2's streams: {@code events} URL events each, their phases spread evenly over one interval. */
  private static IntFunction<StreamProfile> spread(BenchSettings s, int events) {
    return i -> new StreamProfile(events, s.smallIntervalMs(), i * s.smallIntervalMs() / s.smallStreams(), 0, false);
  }

  /** A ratio to a non-positive reference means nothing, so such repetitions are left out; say so. */
  private static String ratioBasis(LatencyComparison latency, double p) {
    long usable = latency.repsWithRatio(p);
    int all = latency.reps().size();
    return usable == all ? "" : "; ratio from " + usable + " of " + all
      + " repetitions (in the others direct's own p" + LatencyComparison.label(p) + " was above nginx's)";
  }

  private static double added(Comparator c, LatencyComparison latency, double p) {
    return c.isDirect() ? Double.NaN : latency.added(c.name(), p);
  }

  private static String f(double micros) {
    return Report.fmt(micros, 0);
  }

  static String brief(RunResult r) {
    RunStats st = r.stats();
    return st.events + " events, p50 " + Report.fmt(RunStats.micros(st.lastByte, 50), 0) + " µs, p99 "
      + Report.fmt(RunStats.micros(st.lastByte, 99), 0) + " µs, errors " + st.errors + ", relay CPU "
      + Report.fmt(r.meter().cpuSeconds(), 2) + " s";
  }
}
