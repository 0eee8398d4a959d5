package dev.seedstream.bench;

import dev.seedstream.bench.Harness.RunResult;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Turns interleaved repetitions (each a map comparator name → run) into added latency: a comparator's
 * percentile minus direct's in the same repetition, and that divided by nginx's added figure in the same
 * repetition; each then the median over repetitions, as the design asks (ratios within a repetition).
 */
final class LatencyComparison {

  static final double[] PERCENTILES = {50, 99, 99.9};

  private final List<Map<String, RunResult>> reps;
  private final Function<RunStats, Histogram> histogram;

  LatencyComparison(List<Map<String, RunResult>> reps, Function<RunStats, Histogram> histogram) {
    this.reps = reps;
    this.histogram = histogram;
  }

  List<Map<String, RunResult>> reps() {
    return reps;
  }

  double absolute(String name, double percentile) {
    return median(rep -> micros(rep, name, percentile));
  }

  double added(String name, double percentile) {
    return median(rep -> micros(rep, name, percentile) - micros(rep, "direct", percentile));
  }

  /** Added latency in units of nginx's added latency; NaN when nginx added nothing measurable. */
  double ratioToNginx(String name, double percentile) {
    return median(rep -> {
      double nginx = micros(rep, "nginx", percentile) - micros(rep, "direct", percentile);
      double ours = micros(rep, name, percentile) - micros(rep, "direct", percentile);
      return nginx > 0 ? ours / nginx : Double.NaN;
    });
  }

  /** Each repetition's ratio, in run order, for the reader to see how much the median stands on. */
  String ratiosPerRep(String name, double percentile) {
    List<String> ratios = new ArrayList<>();
    reps.forEach(rep -> {
      double nginx = micros(rep, "nginx", percentile) - micros(rep, "direct", percentile);
      double ours = micros(rep, name, percentile) - micros(rep, "direct", percentile);
      ratios.add(nginx > 0 && !Double.isNaN(ours) ? Report.fmt(ours / nginx, 2) : "–");
    });
    return String.join(", ", ratios);
  }

  /** Repetitions in which nginx added a positive latency at this percentile, the ones a ratio can use. */
  long repsWithRatio(double percentile) {
    return reps.stream()
      .filter(rep -> micros(rep, "nginx", percentile) - micros(rep, "direct", percentile) > 0)
      .count();
  }

  /** Median of a per-run figure, e.g. relay CPU seconds. */
  double medianOf(String name, Function<RunResult, Double> figure) {
    return median(rep -> rep.containsKey(name) ? figure.apply(rep.get(name)) : Double.NaN);
  }

  JsonObject toJson(String name) {
    JsonObject json = new JsonObject();
    for (double p : PERCENTILES) {
      String key = "p" + label(p);
      json.put(key + "_us", Report.num(absolute(name, p), 1));
      if (!name.equals("direct")) {
        json.put("added_" + key + "_us", Report.num(added(name, p), 1));
        json.put("added_" + key + "_vs_nginx", Report.num(ratioToNginx(name, p), 2));
      }
    }
    JsonArray runs = new JsonArray();
    reps.forEach(rep -> {
      if (rep.containsKey(name)) {
        runs.add(rep.get(name).stats().toJson().mergeIn(rep.get(name).meter().toJson()));
      }
    });
    return json.put("runs", runs);
  }

  static String label(double percentile) {
    return percentile == Math.rint(percentile) ? Integer.toString((int) percentile)
      : Double.toString(percentile).replace('.', '_');
  }

  private double micros(Map<String, RunResult> rep, String name, double percentile) {
    RunResult run = rep.get(name);
    return run == null ? Double.NaN : RunStats.micros(histogram.apply(run.stats()), percentile);
  }

  private double median(Function<Map<String, RunResult>, Double> perRep) {
    List<Double> values = new ArrayList<>();
    reps.forEach(rep -> {
      double v = perRep.apply(rep);
      if (!Double.isNaN(v)) {
        values.add(v);
      }
    });
    if (values.isEmpty()) {
      return Double.NaN;
    }
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }
}
