package dev.seedstream.support;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Blocks a test thread (never an event loop) on a future, with a bound so a hang fails instead of stalling. */
public final class Await {

  private Await() {
  }

  /** Completes when {@code condition} holds, checked every 10 ms on {@code vertx}: for states no event announces. */
  public static Future<Void> condition(Vertx vertx, java.util.function.BooleanSupplier condition) {
    Promise<Void> promise = Promise.promise();
    vertx.setPeriodic(10, id -> {
      if (condition.getAsBoolean()) {
        vertx.cancelTimer(id);
        promise.tryComplete();
      }
    });
    return promise.future();
  }

  public static <T> T result(Future<T> future) {
    return result(future, 10_000);
  }

  public static <T> T result(Future<T> future, long timeoutMs) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("nothing happened within " + timeoutMs + " ms", e);
    } catch (ExecutionException e) {
      throw new AssertionError("the future failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
