package dev.seedstream;

import io.vertx.core.Vertx;

import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * SIGTERM handling: stop taking jobs, let running ones finish until the drain deadline, then end the rest
 * with a retryable {@code shutting_down} error and abort their upstream calls. The process is gone within
 * the deadline plus about two seconds, whatever the jobs do; a cluster member takes up to 10 s more, to hand
 * its share of the cluster's data to the others before it leaves.
 */
final class Shutdown {

  private static final Logger LOG = Logger.getLogger(Shutdown.class.getName());

  private Shutdown() {
  }

  static void run(Vertx vertx, Gateway gateway, long drainMs, long closeMs) {
    long started = System.nanoTime();
    LOG.info("shutting down (signal received)");
    try {
      gateway.verticle().drain(drainMs).toCompletionStage().toCompletableFuture()
        .get(drainMs + 1000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      LOG.warning("drain did not finish cleanly: " + e);
    }
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(closeMs, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      LOG.warning("Vert.x did not close in time: " + e);
    }
    LOG.info("stopped after " + (System.nanoTime() - started) / 1_000_000 + " ms");
  }
}
