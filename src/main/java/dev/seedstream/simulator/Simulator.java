package dev.seedstream.simulator;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;

import java.util.List;
import java.util.function.Supplier;

/**
 * A simulated Seedream upstream on a real HTTP port, which the gateway starts when no key is set
 * (docs/upstream-protocol.md §9). It answers the Ark endpoint {@code /api/v3/images/generations} and
 * the DMXAPI endpoint {@code /v1/images/generations} byte for byte as that document describes, draws
 * real JPEGs, and serves them at signed URLs under {@code /images/}. It runs on its own event loop (one
 * verticle), so its timers and handlers never compete with the caller's.
 *
 * <p>Tests can hold images ({@link #holdImages}) and release them one at a time, and read how many
 * requests arrived, which reference images the latest one carried, how many clients left early and
 * how many generations are still running.
 */
public final class Simulator {

  /** 14 reference images of 10 MB as data URIs, with room for the JSON around them. */
  private static final long BODY_LIMIT = 200L * 1024 * 1024;

  private final Vertx vertx;
  private final SimulatorOptions options;
  private final GenerationRegistry registry = new GenerationRegistry();
  private final ImageRelease release = new ImageRelease();
  private final ImageGallery gallery;
  private volatile Context context;
  private String deploymentId;
  private volatile int port;

  private Simulator(Vertx vertx, SimulatorOptions options) {
    this.vertx = vertx;
    this.options = options;
    this.gallery = new ImageGallery(vertx, options.urlTtlMs(), ImageGallery.CACHE_BYTES);
  }

  /** Listens on {@code options.host()}:{@code options.port()} and completes once the port is bound. */
  public static Future<Simulator> start(Vertx vertx, SimulatorOptions options) {
    Simulator simulator = new Simulator(vertx, options);
    return vertx.deployVerticle(simulator.new Server()).map(id -> {
      simulator.deploymentId = id;
      return simulator;
    });
  }

  public int port() {
    return port;
  }

  /** For example {@code http://127.0.0.1:41234}; append {@code /api/v3} or {@code /v1}. */
  public String baseUrl() {
    return "http://" + options.host() + ":" + port;
  }

  /** Stops every running generation, closes the port and forgets the images. */
  public Future<Void> close() {
    return vertx.undeploy(deploymentId);
  }

  /** Generation requests received on either endpoint, refused ones included. */
  public int requestCount() {
    return registry.requestCount();
  }

  /** Generations whose client went away before the last byte. */
  public int cancelledCount() {
    return registry.cancelledCount();
  }

  /** The reference images ({@code image}) of the latest valid generation request, exactly as sent. */
  public List<String> lastReferenceImages() {
    return registry.lastReferences();
  }

  /** Generations still running, streamed or not. */
  public int activeStreams() {
    return registry.activeCount();
  }

  /** Completes once no generation is running (at once if none is). */
  public Future<Void> whenIdle() {
    return onContext(registry::whenIdle);
  }

  /**
   * While held, every image of every generation waits after its delay until {@link #releaseNext}
   * or {@link #releaseAll}. Un-holding lets every waiting image go.
   */
  public void holdImages(boolean hold) {
    release.hold(hold);
    if (!hold) {
      releaseAll();
    }
  }

  /** Lets one image go: that of the oldest generation with an image waiting. Nothing if none waits. */
  public void releaseNext() {
    context.runOnContext(v -> release.releaseNext());
  }

  public void releaseAll() {
    context.runOnContext(v -> release.releaseAll());
  }

  /** Runs on the simulator's event loop each time an image starts waiting to be released. */
  public void imageWaitingListener(Runnable listener) {
    release.waitingListener(listener);
  }

  private <T> Future<T> onContext(Supplier<Future<T>> action) {
    Promise<T> result = Promise.promise();
    context.runOnContext(v -> action.get().onComplete(result));
    return result.future();
  }

  private Router router() {
    Router router = Router.router(vertx);
    router.post().handler(BodyHandler.create(false).setBodyLimit(BODY_LIMIT));
    router.post("/api/v3/images/generations").handler(endpoint(UpstreamDialect.ARK));
    router.post("/v1/images/generations").handler(endpoint(UpstreamDialect.DMXAPI));
    router.get("/images/:file").handler(new ImageEndpoint(gallery));
    return router;
  }

  private GenerationEndpoint endpoint(UpstreamDialect dialect) {
    return new GenerationEndpoint(vertx, options, dialect, registry, release, gallery, this::baseUrl);
  }

  /** The verticle gives the simulator an event loop of its own and closes the port on undeploy. */
  private final class Server extends VerticleBase {

    @Override
    public Future<?> start() {
      Simulator.this.context = context;
      return vertx.createHttpServer()
        .requestHandler(router())
        .listen(options.port(), options.host())
        .onSuccess(server -> port = server.actualPort());
    }

    @Override
    public Future<?> stop() {
      registry.cancelAll();
      return Future.succeededFuture();
    }
  }
}
