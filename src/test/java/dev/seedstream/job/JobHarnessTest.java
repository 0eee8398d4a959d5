package dev.seedstream.job;

import org.junit.jupiter.api.AfterEach;

import java.util.Map;

/** What the socket-free job tests share: one harness per test, started with its settings and closed after. */
abstract class JobHarnessTest {

  private JobHarness harness;

  JobHarness start(Map<String, String> settings) {
    harness = new JobHarness(settings);
    return harness;
  }

  @AfterEach
  void close() throws Exception {
    if (harness != null) {
      harness.close();
    }
  }
}
