package dev.seedstream.job;

import dev.seedstream.Gateway;
import dev.seedstream.failure.ApiException;
import dev.seedstream.observe.GatewayMetrics;
import dev.seedstream.support.Await;
import dev.seedstream.support.TestGateway;
import dev.seedstream.upstream.GeneratedImage;
import dev.seedstream.validation.ValidatedRequest;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A job registry on a real event loop, with the upstream scripted by the test and streams written to
 * {@link RecordingSink}s: the job layer's behaviour without a socket. Everything the registry does runs
 * on that one loop, as in the gateway; the test thread only waits for it.
 */
final class JobHarness implements AutoCloseable {

  static final String MODEL = "doubao-seedream-4-5-251128";

  final Vertx vertx = Gateway.newVertx();
  final Context loop = vertx.getOrCreateContext();
  final ScriptedUpstream upstream = new ScriptedUpstream();
  final GatewayMetrics metrics = new GatewayMetrics();
  final JobRegistry jobs;

  /** {@code settings}: SEEDSTREAM_* variables over the tests' usual ones. */
  JobHarness(Map<String, String> settings) {
    // The URL is never called: the scripted upstream stands in for the HTTP client.
    jobs = new JobRegistry(vertx, TestGateway.config("http://127.0.0.1:9/unused", settings), upstream, metrics, null);
  }

  /** A valid request for {@code images} URL images; the prompt tells requests apart. */
  static ValidatedRequest request(String prompt, int images) {
    JsonObject body = new JsonObject().put("model", MODEL).put("prompt", prompt).put("stream", true)
      .put("response_format", "url");
    return new ValidatedRequest(MODEL, body, images, "url", List.of(), null);
  }

  /** Runs {@code action} on the loop and returns its result; what it throws is thrown here. */
  <T> T onLoop(Callable<T> action) {
    Promise<T> done = Promise.promise();
    loop.runOnContext(v -> {
      try {
        done.complete(action.call());
      } catch (Throwable e) {
        done.fail(e);
      }
    });
    try {
      return done.future().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new AssertionError(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } catch (TimeoutException e) {
      throw new AssertionError("the event loop did not answer within 10 s", e);
    }
  }

  void run(Runnable action) {
    onLoop(() -> {
      action.run();
      return null;
    });
  }

  /** What {@code action} was refused with, run on the loop; it must be refused. */
  ApiException refusal(Runnable action) {
    try {
      run(action);
    } catch (ApiException e) {
      return e;
    }
    throw new AssertionError("it was not refused");
  }

  Job create(String client, String idempotencyKey, ValidatedRequest request) {
    return onLoop(() -> jobs.create(request, client, idempotencyKey));
  }

  Job create(String client) {
    return create(client, null, request("a lighthouse", 4));
  }

  /** A new stream on {@code job} for {@code client}, after event {@code afterEventId}. */
  RecordingSink attach(Job job, long afterEventId, String client) {
    RecordingSink sink = new RecordingSink();
    run(() -> jobs.attach(job, sink, afterEventId, client));
    return sink;
  }

  /** The n-th upstream call (0-based) reports a URL image. */
  void image(int call, int index) {
    run(() -> upstream.call(call).events().onImage(new GeneratedImage(index, "https://images.test/" + index + ".jpeg",
      null, "2048x2048")));
  }

  void completed(int call) {
    run(() -> upstream.call(call).events().onCompleted(new JsonObject().put("generated_images", 1)));
  }

  <T> T await(Future<T> future) {
    return Await.result(future);
  }

  /** Completes after {@code ms} on the loop: a timer set earlier with a shorter delay has run by then. */
  Future<Void> after(long ms) {
    Promise<Void> done = Promise.promise();
    run(() -> vertx.setTimer(ms, id -> done.complete()));
    return done.future();
  }

  @Override
  public void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }
}
