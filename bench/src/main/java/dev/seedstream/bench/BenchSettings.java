package dev.seedstream.bench;

import java.util.List;

/**
 * The sizes of every scenario. {@link #full()} follows the design (docs/benchmark-design.md §2) cut
 * to fit about 45 minutes on two cores; S2 measures 60 s (the design's lower end of 60–120 s) five times, the
 * design's number of repetitions, because a p99 over 20 s moves with every single collector pause of either JVM.
 * Each S2 repetition opens its 1,000 streams at once and leaves its first 10 s out of the figures (reported
 * apart): that is a connection storm, and in it a JVM relay's young collections promote the new streams' state
 * (pauses of 50–105 ms, results/2026-11-26-s2-steady/), which is not small-event latency in steady sending.
 * Before it, S2 warms every comparator up as the design asks (at least 30 s, for the JIT): {@code smallWarmupSetups}
 * one-event streams, so that a relay's per-stream setup path is compiled as in a long-running service (it runs
 * once per stream, so 1,000 streams per repetition kept crossing compile thresholds), then {@code smallWarmupMs}
 * of S2's own load, unrecorded.
 * S4 runs five repetitions too: with 100 events per size, one repetition's p50 moved by half between runs
 * (nginx's own added p50 for 8 MiB was 12.0–19.4 ms in three full runs). {@link #quick()} is a smoke run of
 * everything in about a minute.
 * Large events flow at a fixed aggregate rate (the design's lower end, 40 MiB/s) whatever their size, so a
 * relay that needs up to 25 CPU-s per GiB is not saturated and latency is not queueing.
 */
record BenchSettings(
  String mode,
  int warmupStreams, long warmupMs,
  List<Integer> idleLevels, long idleWindowMs,
  int smallStreams, int smallEvents, long smallIntervalMs, long smallDiscardMs, int smallReps,
  int smallWarmupSetups, long smallWarmupMs,
  int largeStreams, List<Integer> largeSizesMiB, int largeEvents, int largeMiBPerSecond, int largeReps,
  int slowStreams, int slowPayloadBytes, int slowEvents, long slowIntervalMs, int slowPausedEvery,
  double openRate, long openDurationMs, int openEvents, long openIntervalMs, long openPhaseMs) {

  static BenchSettings full() {
    return new BenchSettings("full",
      200, 6_000,
      List.of(1000, 4000, 8000), 10_000,
      1000, 70, 1000, 10_000, 5,
      6_000, 30_000,
      50, List.of(1, 4, 8), 2, 40, 5,
      100, 256 << 10, 12, 1000, 10,
      20, 15_000, 2, 500, 200);
  }

  /** How long each S2 repetition is measured: its sending time less the discarded start. */
  int smallMeasuredSeconds() {
    return (int) ((smallEvents * smallIntervalMs - smallDiscardMs) / 1000);
  }

  /** These settings with S2 measuring {@code seconds} of events (one a second per stream, after its discarded start), {@code reps} times. */
  BenchSettings withSmallEvents(int seconds, int reps) {
    if (seconds < 1 || reps < 1) {
      throw new IllegalArgumentException("S2 needs at least 1 s and 1 repetition");
    }
    int events = (int) Math.max(1, (seconds * 1000L + smallDiscardMs) / smallIntervalMs);
    return new BenchSettings(mode, warmupStreams, warmupMs, idleLevels, idleWindowMs,
      smallStreams, events, smallIntervalMs, smallDiscardMs, reps,
      smallWarmupSetups, smallWarmupMs,
      largeStreams, largeSizesMiB, largeEvents, largeMiBPerSecond, largeReps,
      slowStreams, slowPayloadBytes, slowEvents, slowIntervalMs, slowPausedEvery,
      openRate, openDurationMs, openEvents, openIntervalMs, openPhaseMs);
  }

  /**
   * The default-profile run (run.sh --profiles): S1, S2 and S4 with seven comparators (three gateways) in
   * about 20 minutes, so the sizes are cut: S1 to 1,000 and 2,000 held streams; S2's warm-up to 3,000 setups
   * and 15 s, its measured window to {@code --s2-seconds} (20 s unless given) three times; S4 to its headline
   * size, 8 MiB, 12 streams × 3 events at the full run's 40 MiB/s, three times.
   */
  static BenchSettings profiles() {
    return new BenchSettings("profiles",
      200, 6_000,
      List.of(1000, 2000), 10_000,
      1000, 30, 1000, 10_000, 3,
      3_000, 15_000,
      12, List.of(8), 3, 40, 3,
      100, 256 << 10, 12, 1000, 10,
      20, 15_000, 2, 500, 200);
  }

  static BenchSettings quick() {
    return new BenchSettings("quick",
      50, 1_500,
      List.of(100, 200), 1_000,
      100, 8, 500, 1_000, 1,
      300, 1_000,
      10, List.of(1), 2, 20, 1,
      40, 256 << 10, 4, 400, 10,
      10, 2_000, 2, 300, 100);
  }
}
