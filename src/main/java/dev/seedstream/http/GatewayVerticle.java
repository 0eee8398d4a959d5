package dev.seedstream.http;

import dev.seedstream.access.ClientTokens;
import dev.seedstream.access.EventAccess;
import dev.seedstream.config.GatewayConfig;
import dev.seedstream.job.JobRegistry;
import dev.seedstream.observe.GatewayMetrics;
import dev.seedstream.store.ImageArchive;
import dev.seedstream.upstream.HttpUpstreamClient;
import dev.seedstream.validation.ModelCatalog;
import dev.seedstream.validation.RequestValidator;
import dev.seedstream.validation.UploadHandler;
import dev.seedstream.validation.UploadStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.FileSystemAccess;
import io.vertx.ext.web.handler.StaticHandler;

import java.time.Duration;

/**
 * The gateway's HTTP face. One instance, so every job, listener and upstream exchange lives on one event
 * loop and needs no locks. The route table below is the table of contents of the public API.
 */
public final class GatewayVerticle extends VerticleBase {

  private final GatewayConfig config;
  private final boolean simulated;
  private HttpUpstreamClient upstream;
  private JobRegistry jobs;
  private HttpServer server;
  private ModelCatalog catalog;
  private GatewayMetrics metrics;
  private ImageArchive archive;
  private ClientAccess access;

  public GatewayVerticle(GatewayConfig config, boolean simulated) {
    this.config = config;
    this.simulated = simulated;
  }

  @Override
  public Future<?> start() {
    Future<ImageArchive> opened = config.store().enabled()
      ? ImageArchive.open(vertx, config.store(), config.maxEventBytes(), config.imageHosts()) : Future.succeededFuture(null);
    return opened.compose(this::serve);
  }

  private Future<?> serve(ImageArchive openedArchive) {
    archive = openedArchive;
    catalog = ModelCatalog.load(config.modelsFile());
    UploadStore uploads = new UploadStore(Duration.ofMinutes(30), 256L << 20, java.time.Clock.systemUTC());
    metrics = new GatewayMetrics();
    if (archive != null) {
      metrics.watchStore(archive::counters);
    }
    upstream = new HttpUpstreamClient(vertx, config, metrics);
    jobs = new JobRegistry(vertx, config, upstream, metrics, archive);
    access = new ClientAccess(config.tokens() == null ? null : ClientTokens.parse(config.tokens()),
      new EventAccess(java.time.Clock.systemUTC()));
    RequestValidator validator = new RequestValidator(catalog, uploads);
    GenerationRoutes generations = new GenerationRoutes(validator, jobs, access);
    ReadDeadlines deadlines = new ReadDeadlines(vertx, config.headerTimeoutMs(), config.bodyTimeoutMs());

    Router router = Router.router(vertx);
    router.route().handler(AccessLog::handle);
    router.route().handler(deadlines::onRequest);
    router.route().handler(new SecurityHeaders(config.imageHosts())::apply);
    router.route().handler(new Cors(config.corsOrigins())::handle);
    router.route("/api/*").handler(access::handle);
    router.route("/v1/*").handler(access::handle);
    if (archive != null) {
      new HistoryRoutes(vertx, jobs, archive).mount(router);
    }
    router.get("/api/models").handler(this::models);
    router.post("/api/generations").handler(BodyHandler.create(false).setBodyLimit(config.maxRequestBytes()))
      .handler(generations::create);
    router.get("/api/generations/:id/events").handler(generations::events);
    router.get("/api/generations/:id").handler(generations::snapshot);
    router.delete("/api/generations/:id").handler(generations::cancel);
    router.post("/api/uploads").handler(new UploadHandler(catalog, uploads, config.maxRequestBytes()));
    router.get("/healthz").handler(ctx -> ctx.json(new JsonObject().put("status", "ok")));
    router.get("/readyz").handler(this::ready);
    router.post("/v1/images/generations").handler(BodyHandler.create(false).setBodyLimit(config.maxRequestBytes()))
      .handler(new V1Routes(validator, jobs, upstream)::generate);
    router.get("/metrics").handler(ctx -> ctx.response()
      .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(metrics.scrape()));
    router.route("/api/*").handler(ctx -> ctx.fail(404));
    router.route("/v1/*").handler(ctx -> ctx.fail(404));
    router.route("/*").handler(staticFiles());
    router.route().failureHandler(ErrorResponses::handle);

    // 8 KiB of headers is what common proxies accept; more is answered 431 before any routing. Without
    // cleartext HTTP/2 a connection is announced as soon as it opens, not after its first request's
    // headers (the h2c upgrade check waits for them), so the header deadline covers slow first requests.
    HttpServerOptions options = new HttpServerOptions().setHost(config.host()).setPort(config.port())
      .setMaxHeaderSize(8192).setHttp2ClearTextEnabled(false);
    server = vertx.createHttpServer(options).connectionHandler(deadlines::onConnection).requestHandler(router);
    return server.listen();
  }

  @Override
  public Future<?> stop() {
    return upstream.close().eventually(() -> archive == null ? Future.succeededFuture() : archive.close());
  }

  public int actualPort() {
    return server.actualPort();
  }

  public JobRegistry jobs() {
    return jobs;
  }

  /** The image archive, or null when images are not kept ({@code SEEDSTREAM_STORE_IMAGES=false}). */
  public ImageArchive archive() {
    return archive;
  }

  /**
   * Stops taking jobs, waits for running ones until {@code deadlineMs}, then ends the rest with a
   * retryable {@code shutting_down} error (their upstream calls are aborted) and closes the server.
   */
  public Future<Void> drain(long deadlineMs) {
    Promise<Void> drained = Promise.promise();
    context.runOnContext(v -> {
      jobs.stopAccepting();
      long started = System.nanoTime();
      long poll = vertx.setPeriodic(20, id -> {
        boolean late = (System.nanoTime() - started) / 1_000_000 >= deadlineMs;
        if (late) {
          jobs.abortAll("the gateway is shutting down; retry the generation");
        }
        if (late || jobs.running() == 0) {
          vertx.cancelTimer(id);
          // A moment for the terminal events just written to reach the clients before sockets close.
          vertx.setTimer(late ? 300 : 1, t -> server.shutdown(500, java.util.concurrent.TimeUnit.MILLISECONDS).onComplete(ar -> drained.tryComplete()));
        }
      });
    });
    return drained.future();
  }

  /** A degraded store keeps the gateway ready: relaying works without it; the answer says so and why. */
  private void ready(RoutingContext ctx) {
    boolean ready = jobs.accepting();
    JsonObject body = new JsonObject().put("ready", ready);
    if (archive != null) {
      String degraded = archive.degradedReason();
      body.put("store", degraded == null ? "ok" : "degraded");
      if (degraded != null) {
        body.put("store_reason", degraded);
      }
    }
    ctx.response().setStatusCode(ready ? 200 : 503);
    ctx.json(body);
  }

  private void models(RoutingContext ctx) {
    ctx.json(catalog.toJson().put("simulated", simulated).put("tokens_required", access.required()));
  }

  private StaticHandler staticFiles() {
    FileSystemAccess access = config.webRoot().isAbsolute() ? FileSystemAccess.ROOT : FileSystemAccess.RELATIVE;
    return StaticHandler.create(access, config.webRoot().toString())
      .setMaxAgeSeconds(60)
      .setDefaultContentEncoding("UTF-8");
  }
}
