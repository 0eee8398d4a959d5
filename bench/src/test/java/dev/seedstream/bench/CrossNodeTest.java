package dev.seedstream.bench;

import dev.seedstream.bench.Harness.RunResult;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class CrossNodeTest {

  @Test
  void theCrossNodeFiguresAreTakenWithinARepetitionThenTheMedian() {
    List<Map<String, RunResult>> reps = List.of(
      rep(1000, 1500),   // cross adds 500 µs, 1.5x
      rep(4000, 4400),   // 400 µs, 1.1x
      rep(2000, 5000));  // 3000 µs, 2.5x
    assertThat(CrossNode.medianDiff(reps, 50)).isCloseTo(500, within(5.0));
    assertThat(CrossNode.medianRatio(reps, 50)).isCloseTo(1.5, within(0.01));
  }

  @Test
  void aCrossNodeListenerFasterThanTheOwnersGivesANegativeDifference() {
    assertThat(CrossNode.medianDiff(List.of(rep(1200, 1100)), 99)).isCloseTo(-100, within(2.0));
  }

  private static Map<String, RunResult> rep(long same, long cross) {
    return Map.of(CrossNode.SAME, run(same), CrossNode.CROSS, run(cross));
  }

  private static RunResult run(long micros) {
    RunStats stats = new RunStats();
    stats.lastByte.recordValue(micros * 1000);
    return new RunResult(null, stats, null);
  }
}
