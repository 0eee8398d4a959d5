package dev.seedstream.simulator;

import dev.seedstream.Gateway;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/** One Vert.x for the class; each test starts its own simulator and client, closed after it. */
abstract class SimulatorTestBase {

  static final String KEY = "sk-sim-test-key";
  static final String BEARER = "Bearer " + KEY;
  /** A few milliseconds per image: fast tests that still go through the timers. */
  static final SimulatorOptions FAST = SimulatorOptions.defaults(KEY).withDelays(2, 2);

  static Vertx vertx;
  Simulator simulator;
  SimulatorCaller client;

  @BeforeAll
  static void startVertx() {
    vertx = Gateway.newVertx();
  }

  @AfterAll
  static void closeVertx() {
    vertx.close().await();
  }

  @AfterEach
  void closeSimulator() {
    if (client != null) {
      client.close().await();
    }
    if (simulator != null) {
      simulator.close().await();
    }
  }

  void start(SimulatorOptions options) {
    simulator = Simulator.start(vertx, options).await();
    client = new SimulatorCaller(vertx, simulator.port());
  }
}
