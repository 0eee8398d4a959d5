package dev.seedstream.bench;

import dev.seedstream.bench.Harness.RunResult;
import io.vertx.core.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * S5 (reduced): open load. New generations arrive as a Poisson process; each gets a couple of URL events.
 * Time to response head and time to first event are taken from the scheduled arrival, so a client or relay
 * that falls behind shows up as latency instead of as fewer requests (coordinated omission).
 */
final class OpenArrivals {

  private OpenArrivals() {
  }

  static void run(Harness h, Report report) {
    BenchSettings s = h.settings;
    Map<String, RunResult> byName = new LinkedHashMap<>();
    StreamProfile profile = new StreamProfile(s.openEvents(), s.openIntervalMs(), s.openPhaseMs(), 0, false);
    for (Comparator c : h.comparators) {
      h.focus(c);
      Harness.collectOwnHeap();
      RelayMeter meter = RelayMeter.start(c.relay());
      LoadClient.Run run = h.client.run(c);
      Harness.await(run.arrivals(s.openRate(), s.openDurationMs(), i -> profile, 42), s.openDurationMs() + 30_000);
      h.finish(run, 60_000);
      byName.put(c.name(), new RunResult(c, run.stats, meter.stop()));
      BenchMain.log("S5 " + c.name() + ": " + run.stats.streamsStarted + " arrivals, " + SmallEvents.brief(byName.get(c.name())));
    }
    LatencyComparison head = new LatencyComparison(List.of(byName), st -> st.timeToHead);
    LatencyComparison first = new LatencyComparison(List.of(byName), st -> st.timeToFirstEvent);
    JsonObject json = new JsonObject().put("arrivals_per_second", s.openRate()).put("duration_ms", s.openDurationMs())
      .put("events_per_stream", s.openEvents()).put("first_event_after_ms", s.openPhaseMs());
    Table table = new Table("comparator", "streams", "head p50 ms", "head p99 ms", "first event p50 ms",
      "first event p99 ms", "added first event p99 ms", "relay CPU s", "errors");
    for (Comparator c : h.comparators) {
      String n = c.name();
      RunResult r = byName.get(n);
      json.put(n, new JsonObject().put("time_to_head", head.toJson(n)).put("time_to_first_event", first.toJson(n)));
      table.row(c.label(), r.stats().streamsStarted, ms(head.absolute(n, 50)), ms(head.absolute(n, 99)),
        ms(first.absolute(n, 50)), ms(first.absolute(n, 99)), c.isDirect() ? "–" : ms(first.added(n, 99)),
        Report.fmt(r.meter().cpuSeconds(), 2), r.stats().errorCount());
    }
    report.section("s5_open_arrivals", "S5 open arrivals (" + Report.fmt(s.openRate(), 0) + " generations/s for "
      + s.openDurationMs() / 1000 + " s)", json, "Times from the scheduled arrival; the first event is sent "
      + s.openPhaseMs() + " ms after the upstream gets the request, and that delay is subtracted.\n\n" + table);
  }

  private static String ms(double micros) {
    return Report.fmt(micros / 1000, 2);
  }
}
