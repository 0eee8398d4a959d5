package dev.seedstream.bench;

import io.vertx.core.Future;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;

/** What every scenario shares: the load client, the fake upstream, the comparators and the settings. */
final class Harness {

  final LoadClient client;
  final FakeUpstream upstream;
  final List<Comparator> comparators;
  final BenchSettings settings;

  Harness(LoadClient client, FakeUpstream upstream, List<Comparator> comparators, BenchSettings settings) {
    this.client = client;
    this.upstream = upstream;
    this.comparators = comparators;
    this.settings = settings;
  }

  List<Comparator> relays() {
    return comparators.stream().filter(c -> !c.isDirect()).toList();
  }

  /**
   * Before each run: the relay under test runs, every other relay is stopped (SIGSTOP). They share the relay
   * core, and an idle JVM still wakes its housekeeping threads (PerfData sampling every 50 ms, monitor
   * deflation, Vert.x's blocked-thread check, its own timers), and on this VM such a wake-up could hold the core
   * for 3–7 ms while the other relay had events to pass on (results/2026-11-26-intrusions/). An idle nginx
   * wakes nothing, so without this only nginx's measurements carried the other relay's noise.
   */
  void focus(Comparator target) {
    for (ProcessProbe relay : relayProcesses()) {
      if (relay != target.relay()) {
        if (!relay.frozen()) {
          StoreDrain.await(relay, storePort(relay));
        }
        relay.freeze();
      }
    }
    if (target.relay() != null) {
      target.relay().thaw();
    }
  }

  /** Every relay running again, at the end of the bench: the script then stops them with TERM. */
  void thawAll() {
    relayProcesses().forEach(ProcessProbe::thaw);
  }

  /** The port of a Seedstream relay's job API (its /metrics is there too), or -1 for a relay with no store. */
  private int storePort(ProcessProbe relay) {
    return relays().stream().filter(c -> c.relay() == relay && c.jobApi()).mapToInt(Comparator::port).findFirst().orElse(-1);
  }

  /** Each relay process once: Seedstream's /v1 and /api are one process. */
  private List<ProcessProbe> relayProcesses() {
    return relays().stream().map(Comparator::relay).distinct().toList();
  }

  /** The result of one run: what the client measured and what the relay spent. */
  record RunResult(Comparator comparator, RunStats stats, RelayMeter meter) {
  }

  /**
   * Runs {@code streams} finite streams against one comparator and waits for all of them to end. With paused
   * readers, they are resumed once the upstream has sent everything ({@code sendingMs}), so they drain and end.
   */
  RunResult runFinite(Comparator target, int streams, IntFunction<StreamProfile> profileOf, int pausedEvery,
                      long discardMs, long sendingMs) {
    return runFinite(target, streams, profileOf, pausedEvery, discardMs, sendingMs, false);
  }

  /** The same, also sampling a Seedstream relay's off-heap buffer memory ({@link DirectMemorySampler}). */
  RunResult runFinite(Comparator target, int streams, IntFunction<StreamProfile> profileOf, int pausedEvery,
                      long discardMs, long sendingMs, boolean sampleDirectMemory) {
    focus(target);
    upstream.prepare(profileOf.apply(0).payloadBytes());
    collectOwnHeap();
    long start = System.nanoTime();
    RelayMeter meter = sampleDirectMemory ? RelayMeter.startWithDirectMemory(target) : RelayMeter.start(target.relay());
    LoadClient.Run run = client.run(target).recordFrom(start + discardMs * 1_000_000L);
    await(run.open(streams, profileOf, pausedEvery), 120_000);
    if (pausedEvery > 0) {
      sleepUntil(start + sendingMs * 1_000_000L);
      await(run.resumePaused(), 10_000);
    }
    finish(run, sendingMs + 60_000);
    run.stats.writeTrace(target.name());
    return new RunResult(target, run.stats, meter.stop());
  }

  /**
   * Collects this JVM's heap (load client and fake upstream) between runs, as JMH does between iterations.
   * Its young generation is small, so the state of each run's streams is promoted, and without this its old
   * generation filled up within a full run and a 1.5 s full collection landed inside one comparator's
   * measurement (results/2026-11-26-full/load-client-gc.log). The relays' heaps are left alone: their
   * collections are part of what is measured.
   */
  static void collectOwnHeap() {
    System.gc();
  }

  /** Waits for every stream of the run; streams still open after {@code timeoutMs} are reset as timeouts. */
  void finish(LoadClient.Run run, long timeoutMs) {
    try {
      run.ended().await(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      await(run.abort(), 10_000);
      await(run.ended(), 30_000);
    }
  }

  static <T> T await(Future<T> future, long timeoutMs) {
    try {
      return future.await(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException("the bench stalled for " + timeoutMs + " ms", e);
    }
  }

  static void sleepUntil(long nanos) {
    long ms = (nanos - System.nanoTime()) / 1_000_000L;
    if (ms > 0) {
      sleep(ms);
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
