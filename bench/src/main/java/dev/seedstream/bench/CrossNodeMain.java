package dev.seedstream.bench;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Map;

/**
 * Runs the cross-node scenario (X1, {@link CrossNode}) in one process: the fake upstream and the listeners.
 * bench/cluster.sh starts the two clustered gateways first, waits until each sees the other, and passes their
 * ports and pids; this writes results.md and results.json.
 */
public final class CrossNodeMain {

  private CrossNodeMain() {
  }

  public static void main(String[] argv) throws Exception {
    Map<String, String> args = BenchMain.parse(argv);
    CrossNode.Settings settings = "quick".equals(args.get("mode")) ? CrossNode.Settings.quick() : CrossNode.Settings.full();
    long ticks = Long.parseLong(args.getOrDefault("clock-ticks", "100"));
    String loadBefore = MachineInfo.loadAverage();
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    FakeUpstream upstream = Harness.await(new FakeUpstream(vertx).listen(BenchMain.port(args, "upstream-port")), 10_000);
    ProcessProbe owner = new ProcessProbe("seedstream node A", Long.parseLong(args.get("owner-pid")), true, ticks);
    ProcessProbe other = new ProcessProbe("seedstream node B", Long.parseLong(args.get("other-pid")), true, ticks);
    Comparator same = new Comparator(CrossNode.SAME, "listener on the owner, node A (same node)",
      BenchMain.port(args, "owner-port"), "/api/generations/{id}/events", true, owner);
    Comparator cross = new Comparator(CrossNode.CROSS, "listener on node B (cross node)",
      BenchMain.port(args, "other-port"), "/api/generations/{id}/events", true, other);
    JsonObject machine = MachineInfo.describe().put("load_average_before", loadBefore);
    JsonObject setup = new JsonObject().put("mode", settings.mode())
      .put("pinning", args.getOrDefault("layout", "not pinned")).put("gateway_commit", args.getOrDefault("commit", "?"))
      .put("gateway_jvm", args.getOrDefault("gateway-jvm", "?"))
      .put("load_client_jvm", String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments()))
      .put("gateway_env", args.getOrDefault("gateway-env", "?"))
      .put("settings", settings.toJson());
    String preface = "Mode **" + settings.mode() + "**. " + args.getOrDefault("label", "") + "\n\n"
      + new Table("machine", "").row("CPUs", machine.getLong("nproc") + " × " + machine.getString("cpu_model"))
      .row("memory", machine.getString("memory")).row("kernel", machine.getString("kernel"))
      .row("JDK", machine.getString("jdk")).row("load average before", loadBefore)
      .row("pinning", setup.getString("pinning")).row("gateway commit", setup.getString("gateway_commit"))
      .row("gateway JVM (both nodes)", setup.getString("gateway_jvm"))
      .row("listeners + fake upstream JVM", setup.getString("load_client_jvm"))
      .row("gateway env (both nodes; plus SEEDSTREAM_CLUSTER_SECRET, not shown)", setup.getString("gateway_env"));
    Report report = new Report("Seedstream cross-node benchmark (X1)", preface, machine, setup);
    ProcessProbe self = new ProcessProbe("bench", ProcessHandle.current().pid(), true, ticks);
    double othersBefore = MachineInfo.busyCpuSeconds(ticks) - ours(self, owner, other);
    long started = System.nanoTime();
    boolean ok = true;
    try {
      new CrossNode(vertx, upstream, same, cross, settings).run(report);
    } catch (RuntimeException e) {
      ok = false;
      BenchMain.log("X1 FAILED: " + e);
      e.printStackTrace();
      report.section("x1_failed", "X1 failed", new JsonObject().put("error", e.toString()),
        "The harness failed: `" + e + "`");
    }
    double othersCpu = MachineInfo.busyCpuSeconds(ticks) - ours(self, owner, other) - othersBefore;
    double wall = (System.nanoTime() - started) / 1e9;
    String loadAfter = MachineInfo.loadAverage();
    report.note("load_average_after", loadAfter);
    report.note("other_processes_cpu_s", Report.round(othersCpu, 1));
    report.note("run_wall_s", Report.round(wall, 1));
    double share = 100 * othersCpu / wall;
    report.addPreface("Load average after: " + loadAfter + ". Other processes used " + Report.fmt(othersCpu, 1)
      + " CPU-s during the " + Report.fmt(wall, 0) + " s run (" + Report.fmt(share, 0) + " % of one core)"
      + (share > 5 ? ". **The machine was busy: these figures are not representative.**" : "; the machine was quiet."));
    Path out = Path.of(args.get("out"));
    report.write(out);
    System.out.println(report.markdown());
    BenchMain.log("results written to " + out.toAbsolutePath());
    vertx.close();
    System.exit(ok ? 0 : 1);
  }

  private static double ours(ProcessProbe... probes) {
    double sum = 0;
    for (ProcessProbe p : probes) {
      sum += p.alive() ? p.cpuSeconds() : 0;
    }
    return sum;
  }
}
