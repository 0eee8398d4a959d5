package dev.seedstream.bench;

import dev.seedstream.bench.Harness.RunResult;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * X1, the cross-node scenario: two clustered gateways, jobs created on the owner, each job watched at once by a
 * listener on the owner (same node) and one on the other node (cross node). Reports both listeners' one-way
 * latency (fake upstream's write to the client's read of the event's last byte) for small URL events at a
 * moderate rate and for 8 MiB {@code b64_json} events, and what the cross-node hop adds: the cluster's log
 * (a ring buffer per job, the image text in a map) read by the other node, against the owner's own copy.
 */
final class CrossNode {

  static final String SAME = "same_node";
  static final String CROSS = "cross_node";

  /** What to run; {@link #full()} takes about seven minutes, {@link #quick()} about one. */
  record Settings(String mode, int smallJobs, long smallIntervalMs, int smallEvents, long smallDiscardMs, int smallReps,
                  long smallWarmupMs, int largeJobs, int largeMiB, int largeEvents, int largeMiBPerSecond, int largeReps,
                  long leadMs) {

    static Settings full() {
      return new Settings("full", 100, 1000, 50, 10_000, 5, 30_000, 10, 8, 3, 20, 5, 1500);
    }

    static Settings quick() {
      return new Settings("quick", 50, 1000, 12, 2_000, 1, 5_000, 4, 8, 2, 20, 1, 1500);
    }

    long largeIntervalMs() {
      return Math.max(100, (long) largeJobs * largeMiB * 1000 / largeMiBPerSecond);
    }

    JsonObject toJson() {
      JsonObject json = new JsonObject();
      for (var component : Settings.class.getRecordComponents()) {
        try {
          json.put(component.getName(), component.getAccessor().invoke(this));
        } catch (ReflectiveOperationException e) {
          throw new IllegalStateException(e);
        }
      }
      return json;
    }
  }

  private final Vertx vertx;
  private final HttpClientAgent http;
  private final FakeUpstream upstream;
  private final Comparator same;
  private final Comparator cross;
  private final Settings s;

  CrossNode(Vertx vertx, FakeUpstream upstream, Comparator same, Comparator cross, Settings settings) {
    this.vertx = vertx;
    this.http = CrossNodeRun.client(vertx);
    this.upstream = upstream;
    this.same = same;
    this.cross = cross;
    this.s = settings;
  }

  void run(Report report) {
    warmUp();
    List<Map<String, RunResult>> small = new ArrayList<>();
    for (int rep = 0; rep < s.smallReps(); rep++) {
      small.add(measure("small rep " + (rep + 1), s.smallJobs(), smallProfile(s.smallEvents()), s.smallDiscardMs(),
        s.smallEvents() * s.smallIntervalMs()));
    }
    List<Map<String, RunResult>> large = new ArrayList<>();
    for (int rep = 0; rep < s.largeReps(); rep++) {
      large.add(measure("8 MiB rep " + (rep + 1), s.largeJobs(), largeProfile(), 0,
        s.largeEvents() * s.largeIntervalMs()));
    }
    reportSmall(report, small);
    reportLarge(report, large);
  }

  /** The JIT of both nodes, and the owner's block pool and the cluster's image map, warmed up; nothing recorded. */
  private void warmUp() {
    int events = (int) Math.max(1, s.smallWarmupMs() / s.smallIntervalMs());
    measure("warm-up small", s.smallJobs(), smallProfile(events), -1, events * s.smallIntervalMs());
    measure("warm-up 8 MiB", s.largeJobs(), largeProfile(), -1, s.largeEvents() * s.largeIntervalMs());
  }

  /** One URL event per interval per job, the first after the lead time, the jobs' phases spread over one interval. */
  private IntFunction<StreamProfile> smallProfile(int events) {
    return i -> new StreamProfile(events, s.smallIntervalMs(), s.leadMs() + i * s.smallIntervalMs() / s.smallJobs(), 0,
      false);
  }

  private IntFunction<StreamProfile> largeProfile() {
    long interval = s.largeIntervalMs();
    return i -> new StreamProfile(s.largeEvents(), interval, s.leadMs() + i * interval / s.largeJobs(),
      s.largeMiB() << 20, false);
  }

  private Map<String, RunResult> measure(String what, int jobs, IntFunction<StreamProfile> profileOf, long discardMs,
                                         long sendingMs) {
    upstream.prepare(profileOf.apply(0).payloadBytes());
    Harness.collectOwnHeap();
    long start = System.nanoTime();
    RelayMeter owner = RelayMeter.start(same.relay());
    RelayMeter other = RelayMeter.start(cross.relay());
    CrossNodeRun run = CrossNodeRun.on(vertx, http, same.port(), cross.port());
    // A negative discard (warm-up) records nothing.
    long recordFrom = discardMs < 0 ? Long.MAX_VALUE : start + discardMs * 1_000_000L;
    Harness.await(run.start(jobs, profileOf, recordFrom), 120_000);
    Harness.await(run.ended(), s.leadMs() + sendingMs + 60_000);
    run.same.writeTrace(SAME);
    run.cross.writeTrace(CROSS);
    Map<String, RunResult> byName = new LinkedHashMap<>();
    byName.put(SAME, new RunResult(same, run.same, owner.stop()));
    byName.put(CROSS, new RunResult(cross, run.cross, other.stop()));
    BenchMain.log("X1 " + what + ": same node " + SmallEvents.brief(byName.get(SAME)) + "; cross node "
      + SmallEvents.brief(byName.get(CROSS)));
    return byName;
  }

  private void reportSmall(Report report, List<Map<String, RunResult>> reps) {
    LatencyComparison latency = new LatencyComparison(reps, st -> st.lastByte);
    Table table = new Table("listener", "events received (rep 1)", "p50 µs", "p99 µs", "p99.9 µs", "max µs", "node CPU µs/event",
      "errors");
    JsonObject json = new JsonObject().put("jobs", s.smallJobs())
      .put("events_per_second_per_listener", s.smallJobs() * 1000.0 / s.smallIntervalMs())
      .put("events_per_job", s.smallEvents()).put("discarded_ms", s.smallDiscardMs()).put("repetitions", s.smallReps());
    for (Comparator c : List.of(same, cross)) {
      String n = c.name();
      double max = latency.medianOf(n, r -> r.stats().lastByte.getMaxValue() / 1000.0);
      double cpu = latency.medianOf(n, r -> r.meter().cpuSeconds() * 1e6 / Math.max(1, r.stats().events));
      long errors = reps.stream().mapToLong(rep -> rep.get(n).stats().errorCount()).sum();
      json.put(n, absolute(latency, n).put("node_cpu_us_per_event", Report.num(cpu, 1)));
      table.row(c.label(), reps.get(0).get(n).stats().events, us(latency.absolute(n, 50)), us(latency.absolute(n, 99)),
        us(latency.absolute(n, 99.9)), us(max), Report.fmt(cpu, 1), errors);
    }
    Table added = new Table("rep", "same p50 µs", "cross p50 µs", "same p99 µs", "cross p99 µs", "same p99.9 µs",
      "cross p99.9 µs", "added p50 µs", "added p99 µs", "added p99.9 µs");
    JsonArray perRep = new JsonArray();
    for (int i = 0; i < reps.size(); i++) {
      Map<String, RunResult> rep = reps.get(i);
      JsonObject row = new JsonObject();
      List<String> cells = new ArrayList<>(List.of(Integer.toString(i + 1)));
      for (double p : LatencyComparison.PERCENTILES) {
        cells.add(us(at(rep, SAME, p)));
        cells.add(us(at(rep, CROSS, p)));
      }
      for (double p : LatencyComparison.PERCENTILES) {
        double diff = at(rep, CROSS, p) - at(rep, SAME, p);
        row.put("added_p" + LatencyComparison.label(p) + "_us", Report.num(diff, 1));
        cells.add(us(diff));
      }
      perRep.add(row);
      added.row(cells.toArray());
    }
    double addedP99 = medianDiff(reps, 99);
    json.put("cross_minus_same", new JsonObject().put("per_rep", perRep)
      .put("added_p50_us_median", Report.num(medianDiff(reps, 50), 1))
      .put("added_p99_us_median", Report.num(addedP99, 1))
      .put("added_p99_9_us_median", Report.num(medianDiff(reps, 99.9), 1)));
    report.section("x1_small_events", "X1 small events, same node vs cross node (" + s.smallJobs() + " jobs × 1 URL "
        + "event per " + s.smallIntervalMs() + " ms, each job watched on both nodes)", json,
      "One-way latency from the fake upstream's write to the client's read of the event's last byte, median of "
        + s.smallReps() + " repetition(s) of " + (s.smallEvents() * s.smallIntervalMs() - s.smallDiscardMs()) / 1000
        + " s measured (each repetition's first " + s.smallDiscardMs() / 1000 + " s left out). Every job is watched by "
        + "one listener on its owner and one on the other node, so both see the same events. Node CPU: the owner's "
        + "for the same-node row, the other node's for the cross-node row, over the whole run, per event received by "
        + "that row's listeners.\n\n" + table + "\nCross node minus same node, per repetition:\n\n" + added);
    report.target("X1 added p99 for a cross-node listener ≤ 2 ms over same-node (small events)",
      us(addedP99) + " µs (p99 " + us(latency.absolute(CROSS, 99)) + " vs " + us(latency.absolute(SAME, 99))
        + " µs; repetitions " + perRepDiffs(reps, 99) + " µs)", "≤ 2000 µs",
      Double.isNaN(addedP99) ? null : addedP99 <= 2000);
  }

  private void reportLarge(Report report, List<Map<String, RunResult>> reps) {
    LatencyComparison latency = new LatencyComparison(reps, st -> st.lastByte);
    LatencyComparison first = new LatencyComparison(reps, st -> st.firstByte);
    Table table = new Table("listener", "events", "last byte p50 ms", "p99 ms", "max ms", "first byte p50 ms",
      "node CPU s/GiB", "node peak RSS MiB", "errors");
    JsonObject json = new JsonObject().put("jobs", s.largeJobs()).put("mib", s.largeMiB())
      .put("events_per_job", s.largeEvents()).put("aggregate_mib_per_second", s.largeMiBPerSecond())
      .put("repetitions", s.largeReps());
    for (Comparator c : List.of(same, cross)) {
      String n = c.name();
      double max = latency.medianOf(n, r -> r.stats().lastByte.getMaxValue() / 1000.0);
      double cpuPerGiB = latency.medianOf(n, r -> r.meter().cpuSeconds() / (r.stats().eventBytes / (double) (1L << 30)));
      double peak = latency.medianOf(n, r -> r.meter().rssPeakKiB() < 0 ? Double.NaN : r.meter().rssPeakKiB() / 1024.0);
      long events = reps.stream().mapToLong(rep -> rep.get(n).stats().events).sum();
      long errors = reps.stream().mapToLong(rep -> rep.get(n).stats().errorCount()).sum();
      json.put(n, absolute(latency, n).put("first_byte_p50_us", Report.num(first.absolute(n, 50), 1))
        .put("node_cpu_s_per_gib", Report.num(cpuPerGiB, 3)).put("node_peak_rss_mib", Report.num(peak, 1)));
      table.row(c.label(), events, ms(latency.absolute(n, 50)), ms(latency.absolute(n, 99)), ms(max),
        ms(first.absolute(n, 50)), Report.fmt(cpuPerGiB, 2), Report.fmt(peak, 0), errors);
    }
    double p50 = medianRatio(reps, 50);
    double p99 = medianRatio(reps, 99);
    json.put("cross_over_same", new JsonObject().put("p50_median", Report.num(p50, 2)).put("p99_median", Report.num(p99, 2))
      .put("p50_per_rep", perRepRatios(reps, 50)).put("p99_per_rep", perRepRatios(reps, 99)));
    report.section("x1_large_events", "X1 " + s.largeMiB() + " MiB b64_json events, same node vs cross node ("
        + s.largeJobs() + " jobs × " + s.largeEvents() + " events, " + s.largeMiBPerSecond() + " MiB/s sent)", json,
      "Latency of each event's last byte (and first byte), from the fake upstream's write of the event's start; "
        + "median of " + s.largeReps() + " repetition(s). Before the measured repetitions one unmeasured pass at this "
        + "size. Node CPU per GiB received by that row's listeners (the owner's for same node, the other node's for "
        + "cross node).\n\n" + table + "\nCross node over same node, last byte: p50 " + Report.fmt(p50, 2) + "× (repetitions "
        + perRepRatios(reps, 50) + "), p99 " + Report.fmt(p99, 2) + "× (repetitions " + perRepRatios(reps, 99) + ").\n");
    report.target("X1 " + s.largeMiB() + " MiB last byte, cross node ≤ 1.5× same node (p50)",
      Report.fmt(p50, 2) + "× (" + ms(latency.absolute(CROSS, 50)) + " vs " + ms(latency.absolute(SAME, 50)) + " ms)",
      "≤ 1.5×", Double.isNaN(p50) ? null : p50 <= 1.5);
    report.target("X1 " + s.largeMiB() + " MiB last byte, cross node ≤ 1.5× same node (p99)",
      Report.fmt(p99, 2) + "× (" + ms(latency.absolute(CROSS, 99)) + " vs " + ms(latency.absolute(SAME, 99)) + " ms)",
      "≤ 1.5×", Double.isNaN(p99) ? null : p99 <= 1.5);
  }

  /** A listener's figures and runs; the "added" ones are over a direct connection, which this scenario has not. */
  private static JsonObject absolute(LatencyComparison latency, String name) {
    JsonObject json = latency.toJson(name);
    json.fieldNames().removeIf(key -> key.startsWith("added_"));
    return json;
  }

  private static double at(Map<String, RunResult> rep, String name, double p) {
    return RunStats.micros(rep.get(name).stats().lastByte, p);
  }

  static double medianDiff(List<Map<String, RunResult>> reps, double p) {
    return median(reps.stream().mapToDouble(rep -> at(rep, CROSS, p) - at(rep, SAME, p)).toArray());
  }

  static double medianRatio(List<Map<String, RunResult>> reps, double p) {
    return median(reps.stream().mapToDouble(rep -> at(rep, CROSS, p) / at(rep, SAME, p)).toArray());
  }

  private static String perRepDiffs(List<Map<String, RunResult>> reps, double p) {
    return String.join(", ", reps.stream().map(rep -> us(at(rep, CROSS, p) - at(rep, SAME, p))).toList());
  }

  private static String perRepRatios(List<Map<String, RunResult>> reps, double p) {
    return String.join(", ", reps.stream().map(rep -> Report.fmt(at(rep, CROSS, p) / at(rep, SAME, p), 2)).toList());
  }

  private static double median(double[] values) {
    double[] sorted = java.util.Arrays.stream(values).filter(v -> !Double.isNaN(v)).sorted().toArray();
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  private static String us(double micros) {
    return Report.fmt(micros, 0);
  }

  private static String ms(double micros) {
    return Report.fmt(micros / 1000, 2);
  }
}
