package dev.seedstream.simulator;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpServerResponse;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Running generations and the counters tests read. A generation is tied to its client connection:
 * when the client goes away first, the generation is cancelled and counted. Counters are safe to
 * read from any thread; everything else runs on the simulator's event loop.
 */
final class GenerationRegistry {

  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger cancelled = new AtomicInteger();
  private final AtomicLong sequence = new AtomicLong();
  private final Set<Generation> active = ConcurrentHashMap.newKeySet();
  private final List<Promise<Void>> idleWaiters = new ArrayList<>();
  private volatile List<String> lastReferences = List.of();

  void requestReceived() {
    requests.incrementAndGet();
  }

  void referencesReceived(List<String> references) {
    lastReferences = references;
  }

  List<String> lastReferences() {
    return lastReferences;
  }

  long nextSequence() {
    return sequence.incrementAndGet();
  }

  void track(Generation generation, HttpServerResponse response) {
    active.add(generation);
    response.closeHandler(v -> clientLeft(generation));
    response.exceptionHandler(failure -> clientLeft(generation));
    generation.ended().onComplete(v -> forget(generation));
  }

  /** Ends every generation without counting it as cancelled by its client: the simulator is closing. */
  void cancelAll() {
    List.copyOf(active).forEach(Generation::cancel);
  }

  Future<Void> whenIdle() {
    if (active.isEmpty()) {
      return Future.succeededFuture();
    }
    Promise<Void> idle = Promise.promise();
    idleWaiters.add(idle);
    return idle.future();
  }

  int requestCount() {
    return requests.get();
  }

  int cancelledCount() {
    return cancelled.get();
  }

  int activeCount() {
    return active.size();
  }

  private void clientLeft(Generation generation) {
    if (generation.running()) {
      // Counted before cancelling, so whoever waits for idleness already sees the count.
      cancelled.incrementAndGet();
      generation.cancel();
    }
  }

  private void forget(Generation generation) {
    active.remove(generation);
    if (active.isEmpty()) {
      List<Promise<Void>> waiters = List.copyOf(idleWaiters);
      idleWaiters.clear();
      waiters.forEach(Promise::complete);
    }
  }
}
