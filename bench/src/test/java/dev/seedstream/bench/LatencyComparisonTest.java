package dev.seedstream.bench;

import dev.seedstream.bench.Harness.RunResult;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class LatencyComparisonTest {

  @Test
  void addedLatencyAndTheRatioAreTakenWithinARepetitionThenTheMedian() {
    List<Map<String, RunResult>> reps = List.of(
      rep(100, 200, 300),   // nginx adds 100 µs, ours 200 µs: 2x
      rep(500, 550, 800),   // nginx adds 50 µs, ours 300 µs: 6x
      rep(100, 150, 250));  // nginx adds 50 µs, ours 150 µs: 3x
    LatencyComparison c = new LatencyComparison(reps, st -> st.lastByte);
    assertThat(c.added("nginx", 50)).isCloseTo(50, within(1.0));
    assertThat(c.added("seedstream_api", 50)).isCloseTo(200, within(1.0));
    assertThat(c.ratioToNginx("seedstream_api", 50)).isCloseTo(3.0, within(0.05));
  }

  @Test
  void noRatioWhenNginxAddedNothing() {
    LatencyComparison c = new LatencyComparison(List.of(rep(100, 90, 300)), st -> st.lastByte);
    assertThat(c.ratioToNginx("seedstream_api", 50)).isNaN();
  }

  private static Map<String, RunResult> rep(long direct, long nginx, long ours) {
    return Map.of("direct", run(direct), "nginx", run(nginx), "seedstream_api", run(ours));
  }

  private static RunResult run(long micros) {
    RunStats stats = new RunStats();
    stats.lastByte.recordValue(micros * 1000);
    return new RunResult(null, stats, null);
  }
}
