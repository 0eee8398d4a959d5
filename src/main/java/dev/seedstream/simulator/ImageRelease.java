package dev.seedstream.simulator;

import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The test brake: while holding, every image waits here after its delay until a test releases it,
 * so tests decide exactly when each image leaves without sleeping. Waiting images are kept by
 * generation age; a generation has at most one image waiting at a time.
 * Used from the simulator's event loop only, except {@link #holding}, which tests flip directly.
 */
final class ImageRelease {

  private volatile boolean holding;
  private final TreeMap<Long, Promise<Void>> waiting = new TreeMap<>();
  private volatile Runnable waitingListener = () -> { };

  void hold(boolean hold) {
    holding = hold;
  }

  void waitingListener(Runnable listener) {
    waitingListener = listener == null ? () -> { } : listener;
  }

  /** Completes at once unless holding; then when the test releases this generation's image. */
  Future<Void> pass(long generation) {
    if (!holding) {
      return Future.succeededFuture();
    }
    Promise<Void> gate = Promise.promise();
    waiting.put(generation, gate);
    waitingListener.run();
    return gate.future();
  }

  /** Lets the oldest waiting generation's image go; does nothing when none waits. */
  void releaseNext() {
    Map.Entry<Long, Promise<Void>> oldest = waiting.pollFirstEntry();
    if (oldest != null) {
      oldest.getValue().complete();
    }
  }

  void releaseAll() {
    List<Promise<Void>> gates = new ArrayList<>(waiting.values());
    waiting.clear();
    gates.forEach(Promise::complete);
  }

  /** A generation that ended is no longer waiting; its gate is dropped, never completed. */
  void forget(long generation) {
    waiting.remove(generation);
  }
}
