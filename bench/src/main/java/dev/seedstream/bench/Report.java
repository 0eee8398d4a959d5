package dev.seedstream.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/** The run's results: one JSON document and one markdown page, section by section, plus the target checks. */
final class Report {

  private final JsonObject json = new JsonObject();
  private final JsonObject scenarios = new JsonObject();
  private final JsonArray targets = new JsonArray();
  private final StringBuilder body = new StringBuilder();
  private final Table targetTable = new Table("target", "measured", "goal", "met");
  private final StringBuilder header = new StringBuilder();

  Report(String title, String preface, JsonObject machine, JsonObject setup) {
    json.put("title", title).put("machine", machine).put("setup", setup).put("scenarios", scenarios)
      .put("targets", targets);
    header.append("# ").append(title).append("\n\n").append(preface).append('\n');
  }

  void section(String key, String heading, JsonObject data, String markdown) {
    scenarios.put(key, data);
    body.append("\n## ").append(heading).append("\n\n").append(markdown).append('\n');
  }

  /** {@code met} is null when the figure could not be taken (e.g. the comparator was not available). */
  void target(String name, String measured, String goal, Boolean met) {
    targets.add(new JsonObject().put("target", name).put("measured", measured).put("goal", goal).put("met", met));
    targetTable.row(name, measured, goal, met == null ? "n/a" : met ? "yes" : "**no**");
  }

  void addPreface(String line) {
    header.append('\n').append(line).append('\n');
    json.put("preface", line);
  }

  void note(String key, Object value) {
    json.put(key, value);
  }

  void write(Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("results.json"), json.encodePrettily() + "\n");
    Files.writeString(dir.resolve("results.md"), markdown());
  }

  String markdown() {
    return header + "\n## Targets (measured, not asserted)\n\n" + targetTable + body;
  }

  static double round(double value, int digits) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      return value;
    }
    double scale = Math.pow(10, digits);
    return Math.round(value * scale) / scale;
  }

  /** A figure for the JSON: null when absent (JSON has no NaN). */
  static Double num(double value, int digits) {
    return Double.isNaN(value) || Double.isInfinite(value) ? null : round(value, digits);
  }

  /** A figure for the markdown: "–" when absent. */
  static String fmt(double value, int digits) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      return "–";
    }
    return String.format(Locale.ROOT, "%." + digits + "f", value);
  }
}
