package dev.seedstream.simulator;

import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.Base64;

/**
 * One accepted request producing its images slot by slot: wait the delay, pass the test brake,
 * then fail the slot, die, or draw and publish the image, and hand the outcome to the reply.
 * {@link #cancel} stops it between any two steps: the timer is cancelled and a render that is
 * already running is thrown away. Used from the simulator's event loop only.
 */
final class Generation {

  private final Vertx vertx;
  private final SimulatorOptions options;
  private final GenerationRequest request;
  private final String requestId;
  private final long sequence;
  private final ImageRelease release;
  private final ImageGallery gallery;
  private final String baseUrl;
  private final GenerationReply reply;
  private final Promise<Void> ended = Promise.promise();
  private long timerId = -1;
  private ImageUsage usage = ImageUsage.NONE;

  Generation(Vertx vertx, SimulatorOptions options, GenerationRequest request, String requestId, long sequence,
             ImageRelease release, ImageGallery gallery, String baseUrl, GenerationReply reply) {
    this.vertx = vertx;
    this.options = options;
    this.request = request;
    this.requestId = requestId;
    this.sequence = sequence;
    this.release = release;
    this.gallery = gallery;
    this.baseUrl = baseUrl;
    this.reply = reply;
  }

  void start() {
    schedule(0);
  }

  /** Completes when the generation finished or was cancelled. */
  Future<Void> ended() {
    return ended.future();
  }

  boolean running() {
    return !over();
  }

  /** Stops at once: no further timer fires and a render already under way is thrown away. */
  void cancel() {
    if (over()) {
      return;
    }
    vertx.cancelTimer(timerId);
    release.forget(sequence);
    ended.complete();
  }

  private boolean over() {
    return ended.future().isComplete();
  }

  private void schedule(int index) {
    if (index == request.imageCount()) {
      finish(() -> reply.completed(usage));
      return;
    }
    long delay = index == 0 ? options.firstImageDelayMs() : options.betweenImagesDelayMs();
    // A timer needs at least 1 ms; that is also what keeps zero-delay runs from recursing.
    timerId = vertx.setTimer(Math.max(1, delay), id -> release.pass(sequence).onSuccess(v -> produce(index)));
  }

  private void produce(int index) {
    if (over()) {
      return;
    }
    if (index == options.failMidStreamAfterImages()) {
      finish(() -> reply.aborted(UpstreamError.internal()));
    } else if (options.failIndexes().contains(index)) {
      reply.failed(index, options.failMessage());
      schedule(index + 1);
    } else {
      ImageRecipe recipe = new ImageRecipe(request.prompt(), index, request.size(), options.imageScale());
      gallery.render(recipe).onComplete(rendered -> deliver(recipe, rendered));
    }
  }

  private void deliver(ImageRecipe recipe, AsyncResult<byte[]> rendered) {
    if (over()) {
      return;
    }
    if (rendered.failed()) {
      finish(() -> reply.aborted(UpstreamError.internal()));
      return;
    }
    usage = usage.plus(request.size());
    reply.succeeded(publish(recipe, rendered.result()));
    schedule(recipe.index() + 1);
  }

  private FinishedImage publish(ImageRecipe recipe, byte[] jpeg) {
    if (request.base64()) {
      return new FinishedImage(recipe.index(), request.size(), "b64_json", Base64.getEncoder().encodeToString(jpeg));
    }
    // Ark names its objects after the request id and the slot: 0217…_0.jpeg, 0217…_1.jpeg.
    String path = gallery.publish(requestId + "_" + recipe.index(), recipe, jpeg);
    return new FinishedImage(recipe.index(), request.size(), "url", baseUrl + path);
  }

  private void finish(Runnable lastWords) {
    ended.complete();
    lastWords.run();
  }
}
