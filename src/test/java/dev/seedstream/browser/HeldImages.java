package dev.seedstream.browser;

import dev.seedstream.simulator.Simulator;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The test's hand on the simulator's brake: every simulated image waits until {@link #releaseNext}
 * lets it go, so a test decides exactly when each image leaves the upstream.
 */
final class HeldImages {

  private static final long WAIT_MS = 10_000;

  private final Simulator simulator;
  private final Semaphore waiting = new Semaphore(0);
  private int released;

  HeldImages(Simulator simulator) {
    this.simulator = simulator;
    simulator.imageWaitingListener(waiting::release);
    simulator.holdImages(true);
  }

  /** Waits until the next image is ready and held, then lets exactly that one go. */
  void releaseNext() {
    takeWaiting();
    released++;
    simulator.releaseNext();
  }

  /** Waits until one more image is ready and held, and leaves it held. */
  void awaitHeld() {
    takeWaiting();
    waiting.release();
  }

  /** How many images the test has let go so far. */
  int released() {
    return released;
  }

  private void takeWaiting() {
    try {
      if (!waiting.tryAcquire(WAIT_MS, TimeUnit.MILLISECONDS)) {
        throw new AssertionError("no simulated image was waiting to be released within " + WAIT_MS + " ms");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
