package dev.seedstream.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Runs the whole benchmark in one process pinned to its own core: the fake upstream, the load client, and
 * the scenarios against every comparator, interleaved; then writes results.md and results.json. bench/run.sh
 * starts nginx and the gateway first (pinned to the other core) and passes their ports and pids.
 */
public final class BenchMain {

  private BenchMain() {
  }

  public static void main(String[] argv) throws Exception {
    Map<String, String> args = parse(argv);
    BenchSettings settings = switch (args.getOrDefault("mode", "full")) {
      case "quick" -> BenchSettings.quick();
      case "profiles" -> BenchSettings.profiles();
      default -> BenchSettings.full();
    };
    settings = settings.withSmallEvents(
      intArg(args, "s2-seconds", settings.smallMeasuredSeconds()),
      intArg(args, "s2-reps", settings.smallReps()));
    long ticks = Long.parseLong(args.getOrDefault("clock-ticks", "100"));
    String loadBefore = MachineInfo.loadAverage();
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    FakeUpstream upstream = Harness.await(new FakeUpstream(vertx).listen(port(args, "upstream-port")), 10_000);
    LoadClient client = new LoadClient(vertx);
    ProcessProbe nginx = new ProcessProbe("nginx", Long.parseLong(args.get("nginx-pid")), false, ticks);
    if (!args.getOrDefault("image-port", "").isEmpty()) {
      Harness.await(upstream.serveImages(port(args, "image-port"), args.get("image-keystore"),
        args.get("image-keystore-password"), Integer.parseInt(args.getOrDefault("image-bytes", "262144"))), 10_000);
    }
    ProcessProbe gateway = new ProcessProbe("seedstream", Long.parseLong(args.get("gateway-pid")), true, ticks);
    List<Comparator> candidates = new ArrayList<>(List.of(Comparator.direct(port(args, "upstream-port")),
      Comparator.nginx(port(args, "nginx-port"), nginx),
      Comparator.seedstreamV1("seedstream", args.getOrDefault("gateway-label", "Seedstream"), port(args, "gateway-port"), gateway),
      Comparator.seedstreamApi("seedstream", args.getOrDefault("gateway-label", "Seedstream"), port(args, "gateway-port"), gateway)));
    // The further gateways run.sh may start: the default profile with the store off (the store's cost on the
    // relay, measured in the same run) and the tuned profile (hand-picked flags, store off).
    if (!args.getOrDefault("nostore-pid", "").isEmpty()) {
      ProcessProbe nostore = new ProcessProbe("seedstream-nostore", Long.parseLong(args.get("nostore-pid")), true, ticks);
      candidates.add(Comparator.seedstreamApi("nostore", "default, store off:", port(args, "nostore-port"), nostore));
    }
    if (!args.getOrDefault("tuned-pid", "").isEmpty()) {
      ProcessProbe tuned = new ProcessProbe("seedstream-tuned", Long.parseLong(args.get("tuned-pid")), true, ticks);
      candidates.add(Comparator.seedstreamV1("tuned", "tuned, store off:", port(args, "tuned-port"), tuned));
      candidates.add(Comparator.seedstreamApi("tuned", "tuned, store off:", port(args, "tuned-port"), tuned));
    }
    JsonObject availability = new JsonObject();
    // Any gateway comparator but the default /api may be skipped (BENCH_SKIP, for quicker experiments);
    // direct, nginx and the default /api are every ratio's basis.
    List<String> skip = List.of(args.getOrDefault("skip", "").split(","));
    for (Comparator c : List.copyOf(candidates)) {
      if (skip.contains(c.name()) && c.isSeedstream() && !c.name().equals("seedstream_api")) {
        availability.put(c.name(), "skipped (BENCH_SKIP)");
        candidates.remove(c);
      }
    }
    List<Comparator> comparators = available(new Harness(client, upstream, candidates, settings), availability);
    Harness h = new Harness(client, upstream, comparators, settings);
    JsonObject machine = MachineInfo.describe().put("load_average_before", loadBefore)
      .put("nginx", args.getOrDefault("nginx-version", "unknown"));
    JsonObject setup = new JsonObject().put("mode", settings.mode()).put("comparators", availability)
      .put("pinning", args.getOrDefault("layout", "not pinned")).put("gateway_commit", args.getOrDefault("commit", "?"))
      .put("gateway_jvm", args.getOrDefault("gateway-jvm", "?"))
      .put("load_client_jvm", String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()))
      .put("gateway_env", args.getOrDefault("gateway-env", "?"))
      .put("settings", settingsJson(settings));
    Report report = new Report(args.getOrDefault("title", "Seedstream relay benchmark"), preface(args, machine, setup),
      machine, setup);
    ProcessProbe self = new ProcessProbe("bench", ProcessHandle.current().pid(), true, ticks);
    double othersBefore = MachineInfo.busyCpuSeconds(ticks) - ours(self, nginx, gateway);
    long started = System.nanoTime();
    boolean ok;
    try {
      ok = runAll(h, report, List.of(args.getOrDefault("only", "").split(",")));
    } finally {
      h.thawAll();
    }
    double othersCpu = MachineInfo.busyCpuSeconds(ticks) - ours(self, nginx, gateway) - othersBefore;
    double wall = (System.nanoTime() - started) / 1e9;
    report.note("load_average_after", MachineInfo.loadAverage());
    report.addPreface("Load average (1, 5, 15 min) before the run: " + loadBefore + "; after: "
      + MachineInfo.loadAverage() + ".");
    startup(report, args);
    report.note("other_processes_cpu_s", Report.round(othersCpu, 1));
    report.note("run_wall_s", Report.round(wall, 1));
    double share = 100 * othersCpu / wall;
    report.addPreface("Other processes used " + Report.fmt(othersCpu, 1) + " CPU-s during the " + Report.fmt(wall, 0)
      + " s run (" + Report.fmt(share, 0) + " % of one core)" + (share > 5
        ? ". **The machine was busy: these figures are not representative.**" : "; the machine was quiet."));
    Path out = Path.of(args.get("out"));
    report.write(out);
    System.out.println(report.markdown());
    log("results written to " + out.toAbsolutePath());
    client.close();
    vertx.close();
    System.exit(ok ? 0 : 1);
  }

  /**
   * The default profile's start-up, which run.sh measured before the run: milliseconds from starting the
   * launcher to the first answered request, per start. The target reads the cold starts (each after 15 s with
   * no gateway running, as a user's first start); the warm ones (straight after a stop) are context.
   */
  private static void startup(Report report, Map<String, String> args) {
    String measured = args.getOrDefault("startup-ms", "");
    if (measured.isEmpty()) {
      return;
    }
    List<Double> ms = new ArrayList<>();
    for (String one : measured.split(",")) {
      ms.add(Double.parseDouble(one));
    }
    List<Double> sorted = new ArrayList<>(ms);
    sorted.sort(Double::compare);
    double median = sorted.get(sorted.size() / 2);
    String warm = args.getOrDefault("startup-warm-ms", "");
    report.note("startup_ms", new JsonArray(ms));
    report.note("startup_warm_ms", warm);
    report.target("start-up to first request served (default profile) ≤ 1.5 s", Report.fmt(median, 0)
      + " ms median of starts after 15 s idle (cold starts: " + measured + " ms; warm starts straight after a stop: "
      + warm + " ms)", "≤ 1500 ms", median <= 1500);
  }

  /** Each scenario runs even if an earlier one broke; a broken one is recorded and fails the exit status. */
  private static boolean runAll(Harness h, Report report, List<String> only) {
    warmUp(h);
    boolean ok = true;
    Map<String, BiConsumer<Harness, Report>> scenarios = new LinkedHashMap<>();
    scenarios.put("S1", IdleCapacity::run);
    scenarios.put("S2", SmallEvents::run);
    scenarios.put("S4", LargeEvents::run);
    scenarios.put("S7", SlowConsumers::run);
    scenarios.put("S5", OpenArrivals::run);
    Table cpu = new Table("scenario", "wall s", "nginx CPU s", "gateway CPU s (/v1 and /api)");
    JsonObject cpuJson = new JsonObject();
    for (var scenario : scenarios.entrySet()) {
      if (!only.contains("") && !only.contains(scenario.getKey())) {
        continue;
      }
      long start = System.nanoTime();
      double nginx0 = relayCpu(h, "nginx");
      double gateway0 = relayCpu(h, "seedstream_api");
      log(scenario.getKey() + " starts");
      try {
        scenario.getValue().accept(h, report);
      } catch (RuntimeException e) {
        ok = false;
        log(scenario.getKey() + " FAILED: " + e);
        e.printStackTrace();
        report.section(scenario.getKey().toLowerCase() + "_failed", scenario.getKey() + " failed", new JsonObject()
          .put("error", e.toString()), "The harness failed in this scenario: `" + e + "`");
      }
      log(scenario.getKey() + " took " + (System.nanoTime() - start) / 1_000_000_000 + " s");
      double wall = (System.nanoTime() - start) / 1e9;
      double nginxCpu = relayCpu(h, "nginx") - nginx0;
      double gatewayCpu = relayCpu(h, "seedstream_api") - gateway0;
      cpu.row(scenario.getKey(), Report.fmt(wall, 0), Report.fmt(nginxCpu, 1), Report.fmt(gatewayCpu, 1));
      cpuJson.put(scenario.getKey(), new JsonObject().put("wall_s", Report.num(wall, 1))
        .put("nginx_cpu_s", Report.num(nginxCpu, 2)).put("gateway_cpu_s", Report.num(gatewayCpu, 2)));
    }
    report.section("relay_cpu", "Relay CPU by scenario", cpuJson, "utime + stime of each relay process "
      + "(/proc/<pid>/stat) over each whole scenario, all its comparators' runs included.\n\n" + cpu);
    return ok;
  }

  private static double relayCpu(Harness h, String name) {
    return h.comparators.stream().filter(c -> c.name().equals(name)).findFirst()
      .map(c -> c.relay().cpuSeconds()).orElse(Double.NaN);
  }

  private static double ours(ProcessProbe... probes) {
    double sum = 0;
    for (ProcessProbe p : probes) {
      sum += p.alive() ? p.cpuSeconds() : 0;
    }
    return sum;
  }

  /** JIT warm-up of every comparator with small and large events; nothing of it is recorded. */
  private static void warmUp(Harness h) {
    BenchSettings s = h.settings;
    for (Comparator c : h.comparators) {
      int events = (int) (s.warmupMs() / 250);
      h.runFinite(c, s.warmupStreams(), i -> new StreamProfile(events, 250, i * 250L / s.warmupStreams(), 0, false),
        0, 0, s.warmupMs());
      // Large events too: the first S4 size must not pay for compiling the relay's large-event path.
      int large = Math.max(2, s.warmupStreams() / 20);
      int largeEvents = (int) Math.max(2, s.warmupMs() / 750);
      h.runFinite(c, large, i -> new StreamProfile(largeEvents, 250, i * 250L / large, 1 << 20, false), 0, 0,
        largeEvents * 250L);
      log("warmed up " + c.name());
    }
  }

  /** Probes each comparator with one short stream; /v1 answering 404 is "not available", not a failure. */
  private static List<Comparator> available(Harness probe, JsonObject availability) {
    List<Comparator> usable = new ArrayList<>();
    for (Comparator c : probe.comparators) {
      Harness.RunResult r = probe.runFinite(c, 1, i -> new StreamProfile(1, 0, 0, 0, false), 0, 0, 0);
      RunStats st = r.stats();
      if (st.streamsCompleted == 1 && st.events == 1) {
        usable.add(c);
        availability.put(c.name(), "available");
      } else if (st.notAvailable > 0) {
        availability.put(c.name(), "not available (404)");
      } else {
        availability.put(c.name(), "failed its probe: " + st.errorsJson().encode() + ", events " + st.events);
      }
      log(c.name() + ": " + availability.getString(c.name()));
    }
    for (String required : List.of("direct", "nginx", "seedstream_api")) {
      if (!"available".equals(availability.getString(required))) {
        throw new IllegalStateException(required + " is not usable: " + availability.getString(required));
      }
    }
    return usable;
  }

  private static String preface(Map<String, String> args, JsonObject machine, JsonObject setup) {
    return "Mode **" + setup.getString("mode") + "**. " + args.getOrDefault("label", "") + "\n\n"
      + new Table("machine", "").row("CPUs", machine.getLong("nproc") + " × " + machine.getString("cpu_model"))
      .row("memory", machine.getString("memory")).row("kernel", machine.getString("kernel"))
      .row("JDK", machine.getString("jdk")).row("nginx", machine.getString("nginx"))
      .row("fd limit per process", machine.getLong("fd_limit_per_process"))
      .row("load average before", machine.getString("load_average_before"))
      .row("pinning", setup.getString("pinning")).row("gateway commit", setup.getString("gateway_commit"))
      .row("gateway JVM", setup.getString("gateway_jvm"))
      .row("load client + fake upstream JVM", setup.getString("load_client_jvm"))
      .row("gateway env", setup.getString("gateway_env"))
      .row("comparators", setup.getJsonObject("comparators").encode());
  }

  private static JsonObject settingsJson(BenchSettings settings) {
    JsonObject json = new JsonObject();
    for (var component : BenchSettings.class.getRecordComponents()) {
      try {
        Object value = component.getAccessor().invoke(settings);
        json.put(component.getName(), value instanceof List<?> list ? new JsonArray(list) : value);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
    }
    return json;
  }

  /** An optional whole-number argument; run.sh passes an empty value when its variable is unset. */
  private static int intArg(Map<String, String> args, String key, int absent) {
    String value = args.getOrDefault(key, "");
    return value.isEmpty() ? absent : Integer.parseInt(value);
  }

  static int port(Map<String, String> args, String key) {
    return Integer.parseInt(args.get(key));
  }

  /** {@code --key value} pairs, as run.sh and cluster.sh pass them. */
  static Map<String, String> parse(String[] argv) {
    Map<String, String> args = new HashMap<>();
    for (int i = 0; i + 1 < argv.length; i += 2) {
      args.put(argv[i].replaceFirst("^--", ""), argv[i + 1]);
    }
    return args;
  }

  static void log(String message) {
    System.err.println(LocalTime.now().truncatedTo(ChronoUnit.MILLIS) + " bench: " + message);
  }
}
