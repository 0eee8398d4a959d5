package dev.seedstream.http;

import dev.seedstream.access.ClientTokens;
import dev.seedstream.access.EventAccess;
import dev.seedstream.cluster.ClusterNode;
import dev.seedstream.config.ConfigException;
import dev.seedstream.config.GatewayConfig;
import dev.seedstream.config.UpstreamEntry;
import dev.seedstream.config.UpstreamPoolSource;
import dev.seedstream.job.Budgets;
import dev.seedstream.job.JobRegistry;
import dev.seedstream.observe.GatewayMetrics;
import dev.seedstream.observe.KeyRedactingFormatter;
import dev.seedstream.store.ImageArchive;
import dev.seedstream.upstream.HttpUpstreamClient;
import dev.seedstream.validation.ModelCatalog;
import dev.seedstream.validation.RequestValidator;
import dev.seedstream.validation.UploadHandler;
import dev.seedstream.validation.UploadStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.FileSystemAccess;
import io.vertx.ext.web.handler.StaticHandler;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The gateway's HTTP face. One instance, so every job, listener and upstream exchange lives on one event
 * loop and needs no locks. The route table below is the table of contents of the public API.
 */
public final class GatewayVerticle extends VerticleBase {

  private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(GatewayVerticle.class.getName());

  private final GatewayConfig config;
  private final boolean simulated;
  /** The cluster this node is part of, or null on a single node. */
  private final ClusterNode cluster;
  private HttpUpstreamClient upstream;
  private JobRegistry jobs;
  private HttpServer server;
  private ModelCatalog catalog;
  private GatewayMetrics metrics;
  /** Written on the event loop; volatile because tests and tools read it through {@link #archive()} from other threads. */
  private volatile ImageArchive archive;
  /** The first wait before a shared store that would not open is tried again; doubled up to the longest. */
  private static final long STORE_RETRY_FIRST_MS = 1_000;
  private static final long STORE_RETRY_LONGEST_MS = 30_000;
  /** Why the store is not open, while a shared store that failed at start-up is tried again; else null. */
  private String storeDown;
  private long storeRetryTimer = -1;
  private boolean stopping;
  /** Serves durable URLs once the archive is open. */
  private StoredImageRoute storedImages;
  private Budgets budgets;
  private ClientAccess access;
  /** The read of this month's spending back from the history, when tokens have budgets. */
  private Future<Void> spendingRead = Future.succeededFuture();
  /** Where the pool is read again on reload, with the environment the last reload was given. */
  private UpstreamPoolSource poolSource;
  private List<UpstreamEntry> poolEntries;
  private String lastReloadFailure;

  public GatewayVerticle(GatewayConfig config, boolean simulated) {
    this(config, simulated, null);
  }

  public GatewayVerticle(GatewayConfig config, boolean simulated, ClusterNode cluster) {
    this.config = config;
    this.simulated = simulated;
    this.cluster = cluster;
  }

  @Override
  public Future<?> start() {
    Future<ImageArchive> opened = config.store().enabled() ? openStore().recover(this::startWithoutStore)
      : Future.succeededFuture(null);
    return opened.compose(this::serve).onSuccess(v -> {
      if (storeDown != null) {
        retryStore(STORE_RETRY_FIRST_MS);
      }
    });
  }

  private Future<ImageArchive> openStore() {
    return ImageArchive.open(vertx, config.store(), config.limits().maxEventBytes(), config.upstream().imageHosts(), config.access());
  }

  /**
   * A PostgreSQL server or a bucket that does not answer at start-up must not crash-loop every node: the
   * gateway relays without the store, {@code /readyz} answers 503 with the reason, and the store is tried
   * again in the background. SQLite and files on this machine's own disk fail the start as before: there is
   * nothing to wait for.
   */
  private Future<ImageArchive> startWithoutStore(Throwable failure) {
    if (config.store().database() == null && config.store().blobs() == null) {
      return Future.failedFuture(failure);
    }
    storeDown = "the store could not be opened: " + failure.getMessage();
    LOG.warning(storeDown + "; relaying without it, and trying again in the background");
    return Future.succeededFuture(null);
  }

  /** Tries the store again after {@code delayMs}, then after twice that, up to 30 s between tries, until it opens. */
  private void retryStore(long delayMs) {
    storeRetryTimer = vertx.setTimer(delayMs, t -> openStore().onSuccess(this::useStore).onFailure(e -> {
      String reason = "the store could not be opened: " + e.getMessage();
      if (!reason.equals(storeDown)) {
        LOG.warning(reason + "; trying again in the background");
      }
      storeDown = reason;
      if (!stopping) {
        retryStore(Math.min(delayMs * 2, STORE_RETRY_LONGEST_MS));
      }
    }));
  }

  /** Switches in the store that opened late: new jobs are kept, and the history and durable URLs answer. */
  private void useStore(ImageArchive opened) {
    if (stopping) {
      opened.close();
      return;
    }
    archive = opened;
    storedImages = new StoredImageRoute(opened);
    metrics.watchStore(opened::counters);
    jobs.useArchive(opened);
    if (budgets.any()) {
      // Adds to what jobs spent meanwhile: those were not recorded, so nothing is counted twice.
      restoreSpending().onFailure(e -> LOG.warning("budgets: this month's spending not read from the history: " + e));
    }
    storeDown = null;
    LOG.info("the store is open: images and the history are kept from now on");
  }

  private Future<?> serve(ImageArchive openedArchive) {
    archive = openedArchive;
    catalog = ModelCatalog.load(config.server().modelsFile());
    UploadStore uploads = new UploadStore(Duration.ofMinutes(30), 256L << 20, 128L << 20, java.time.Clock.systemUTC());
    metrics = new GatewayMetrics();
    if (archive != null) {
      metrics.watchStore(archive::counters);
    }
    upstream = new HttpUpstreamClient(vertx, config, metrics);
    watchUpstreamPool();
    ClientTokens tokens = config.access().tokens() == null ? null : ClientTokens.parse(config.access().tokens());
    jobs = new JobRegistry(vertx, config, upstream, metrics, archive, budgets(tokens), cluster);
    EventAccess events = cluster == null ? new EventAccess(java.time.Clock.systemUTC())
      : new EventAccess(java.time.Clock.systemUTC(), config.cluster().secret());
    access = new ClientAccess(tokens, events, config.access());
    RequestValidator validator = new RequestValidator(catalog, uploads, config.limits().maxPromptChars());
    HistoryRoutes history = config.store().enabled() ? new HistoryRoutes(vertx, jobs, () -> archive) : null;
    storedImages = archive == null ? null : new StoredImageRoute(archive);
    GenerationRoutes generations = new GenerationRoutes(validator, jobs, access, history, config.timeouts().heartbeatMs());
    V1Routes v1 = new V1Routes(validator, jobs, upstream);
    UploadHandler uploadHandler = new UploadHandler(catalog, uploads, config.limits().maxRequestBytes(),
      config.limits().maxUploadsPerClient());
    JsonBodyReader jsonBody = new JsonBodyReader(config.limits().maxRequestBytes(), config.limits().maxJsonBytes(),
      catalog.uploadRules().maxBytes());
    ContractDocuments contract = new ContractDocuments(vertx);
    ReadDeadlines deadlines = new ReadDeadlines(vertx, config.timeouts().headerTimeoutMs(), config.timeouts().bodyTimeoutMs());

    warnIfNamesWillBeRefused();
    Router router = Router.router(vertx);
    router.route().handler(AccessLog::handle);
    router.route().handler(AmbiguousLength::closeAfterAnswer);
    router.route().handler(deadlines::onRequest);
    router.route().handler(new SecurityHeaders(config.upstream().imageHosts())::apply);
    router.route().handler(new RequestOrigin(config.server().host(), config.access(), config.access().corsOrigins())::handle);
    router.route().handler(new Cors(config.access().corsOrigins())::handle);
    router.route("/api/*").handler(access::handle);
    router.route("/v1/*").handler(access::handle);

    // The route table: every route of the public API, and one owner per path.
    router.get("/api/models").handler(this::models);
    router.get(ContractDocuments.OPENAPI_PATH).handler(contract::openApi);
    router.get(ContractDocuments.ASYNCAPI_PATH).handler(contract::asyncApi);
    router.post("/api/generations").handler(jsonBody).handler(generations::create);
    router.get("/api/generations/:id/events").handler(generations::events);
    router.get("/api/generations/:id").handler(generations::snapshot);
    router.delete("/api/generations/:id").handler(generations::cancel);
    if (history != null) { // images and past jobs are kept (SEEDSTREAM_STORE_IMAGES, on by default)
      router.get("/api/generations").handler(history::list);
      router.get("/api/generations/:id/images.zip").handler(history::zip);
      router.route("/api/images/:job/:index").method(HttpMethod.GET).method(HttpMethod.HEAD)
        .handler(ctx -> {
          if (storedImages == null) {
            ctx.fail(HistoryRoutes.notReady());
          } else {
            storedImages.handle(ctx);
          }
        });
    }
    router.post("/api/uploads").handler(ctx -> uploadHandler.handle(ctx, ClientAccess.caller(ctx).key()));
    router.post("/v1/images/generations").handler(jsonBody).handler(v1::generate);
    router.get("/healthz").handler(ctx -> ctx.json(new JsonObject().put("status", "ok")));
    router.get("/readyz").handler(this::ready);
    router.get("/metrics").handler(ctx -> access.handleMetrics(ctx, config.access().metricsToken())).handler(this::metrics);
    router.route("/api/*").handler(ctx -> ctx.fail(404));
    router.route("/v1/*").handler(ctx -> ctx.fail(404));
    router.route("/*").handler(staticFiles());
    router.route().failureHandler(ErrorResponses::handle);

    // 8 KiB of headers is what common proxies accept; more is answered 431 before any routing. Without
    // cleartext HTTP/2 a connection is announced as soon as it opens, not after its first request's
    // headers (the h2c upgrade check waits for them), so the header deadline covers slow first requests.
    // Strict thread mode: every response is written on the gateway's one event loop anyway, and a connection
    // then writes straight to its channel instead of through a queue for writers on other threads, whose
    // 1024-slot array Vert.x allocates up front (4.6 KiB per connection, an idle event stream's largest cost).
    // Backpressure reads the channel's own writability, without the 16 writes that queue let pile up on top.
    // (It was off for a while because HostileRequestTest hung with it; that hang was the test's own race, a
    // response body handler attached after the response had been read, which strict mode only made likelier.)
    // No WebSocket compression: the gateway has no WebSocket endpoint, and with it on Vert.x puts a compression
    // extension handler and its two handshakers into every connection's pipeline, held for the connection's life.
    HttpServerOptions options = new HttpServerOptions().setHost(config.server().host()).setPort(config.server().port())
      .setMaxHeaderSize(8192).setHttp2ClearTextEnabled(false).setStrictThreadMode(true)
      .setPerMessageWebSocketCompressionSupported(false).setPerFrameWebSocketCompressionSupported(false);
    AmbiguousLength ambiguousLength = new AmbiguousLength(options);
    server = vertx.createHttpServer(options).connectionHandler(connection -> {
      ambiguousLength.onConnection(connection);
      deadlines.onConnection(connection);
    }).requestHandler(router);
    return spendingRead.compose(v -> server.listen()).recover(this::explainListenFailure);
  }

  /** Reachable beyond loopback, the gateway is likely to be called by a DNS name it does not know yet. */
  private void warnIfNamesWillBeRefused() {
    String host = config.server().host();
    boolean loopback = host.equals("127.0.0.1") || host.equals("::1") || host.equals("localhost");
    if (!loopback && config.access().allowedHosts().isEmpty() && config.access().publicUrl() == null) {
      LOG.warning("listening on " + host + ": requests that name this gateway by a DNS name (not an IP address or "
        + "localhost) get 421 until SEEDSTREAM_ALLOWED_HOSTS or SEEDSTREAM_PUBLIC_URL names it");
    }
  }

  /** A port in use is the most common start-up failure: say which address, and which setting moves it. */
  private Future<HttpServer> explainListenFailure(Throwable failure) {
    // NIO reports a BindException; the epoll transport an IOException carrying the same errno text.
    if (failure instanceof java.net.BindException || String.valueOf(failure.getMessage()).contains("already in use")) {
      return Future.failedFuture(new IllegalStateException("cannot listen on " + config.server().host() + ":" + config.server().port()
        + ": " + failure.getMessage() + " (another Seedstream or another program has it?); set SEEDSTREAM_PORT to a "
        + "free port, or 0 for any free one, or SEEDSTREAM_HOST for another address", failure));
    }
    return Future.failedFuture(failure);
  }

  @Override
  public Future<?> stop() {
    stopping = true;
    vertx.cancelTimer(storeRetryTimer);
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
      int atStart = jobs.running();
      LOG.info("draining: " + atStart + " running job(s); new jobs are refused; up to " + deadlineMs + " ms");
      long started = System.nanoTime();
      vertx.setPeriodic(20, id -> {
        boolean late = (System.nanoTime() - started) / 1_000_000 >= deadlineMs;
        int left = jobs.running();
        if (late && left > 0) {
          LOG.warning("drain deadline passed: ending " + left + " of " + atStart + " job(s) with shutting_down");
          jobs.abortAll("the gateway is shutting down; retry the generation");
        }
        if (late || left == 0) {
          vertx.cancelTimer(id);
          if (left == 0) {
            LOG.info("drained: all " + atStart + " job(s) ended on their own in " + (System.nanoTime() - started) / 1_000_000 + " ms");
          }
          // A moment for the terminal events just written to reach the clients before sockets close.
          vertx.setTimer(late ? 300 : 1, t -> server.shutdown(500, java.util.concurrent.TimeUnit.MILLISECONDS).onComplete(ar -> drained.tryComplete()));
        }
      });
    });
    return drained.future();
  }

  /**
   * Reads the upstream pool again (its file, and each key from its variable or key file, looking variables up in
   * {@code env}) and swaps it in: new calls use the new entries and keys, running ones finish on the key they
   * started with. What SIGHUP does; a change of the pool file or a key file does the same on its own. A pool
   * that no longer reads leaves the current one in place; the future fails with the reason.
   */
  public Future<Void> reloadUpstreams(Map<String, String> env) {
    if (config.upstream().poolSource() == null) {
      return Future.failedFuture(new ConfigException("nothing to reload: SEEDSTREAM_UPSTREAMS is not set, and the "
        + "single-upstream settings are read at start-up only"));
    }
    Promise<Void> reloaded = Promise.promise();
    context.runOnContext(v -> {
      poolSource = poolSource.withEnv(env);
      readPool(poolSource).onComplete(ar -> {
        if (ar.succeeded()) {
          reloaded.complete();
        } else {
          reloaded.fail(ar.cause());
        }
      });
    });
    return reloaded.future();
  }

  /** Every two seconds the pool is read again, and swapped in when it changed: a file edit or a rotated key file. */
  private void watchUpstreamPool() {
    poolSource = config.upstream().poolSource();
    if (poolSource == null) {
      return;
    }
    poolEntries = config.upstream().pool();
    vertx.setPeriodic(2000, id -> readPool(poolSource).onFailure(e -> {
      // Once per distinct reason: a file left broken would otherwise log every two seconds.
      String reason = String.valueOf(e.getMessage());
      if (!reason.equals(lastReloadFailure)) {
        LOG.warning("upstream pool not reloaded, the current one stays: " + reason);
      }
      lastReloadFailure = reason;
    }));
  }

  /** Reads the pool on a worker thread and applies it on the event loop if it changed. */
  private Future<Void> readPool(UpstreamPoolSource source) {
    return vertx.executeBlocking(source::read, false).map(entries -> {
      lastReloadFailure = null;
      if (!entries.equals(poolEntries)) {
        poolEntries = entries;
        // A rotated key must stay out of the log like the keys read at start-up.
        entries.forEach(entry -> KeyRedactingFormatter.redactAlso(entry.apiKey()));
        upstream.pool().reload(entries);
        metrics.upstreamPoolReloaded();
        LOG.info("upstream pool reloaded: " + entries.stream().map(UpstreamEntry::name).toList());
      }
      return null;
    });
  }

  /**
   * A degraded store keeps the gateway ready: relaying works without it; the answer says so and why. Upstreams
   * whose breakers are all open make it unready: no call could go anywhere. So does a shared store that has not
   * opened since start-up: a load balancer should prefer nodes whose history and durable URLs work (this
   * one still relays the jobs it gets).
   */
  private void ready(RoutingContext ctx) {
    boolean ready = jobs.accepting() && upstream.pool().anyReady() && storeDown == null;
    JsonObject body = new JsonObject().put("ready", ready).put("upstreams", upstream.pool().states());
    if (cluster != null) {
      body.put("cluster", new JsonObject().put("members", jobs.clusterMembers()).put("node", cluster.nodeId()));
    }
    if (storeDown != null) {
      body.put("store", "unavailable").put("store_reason", storeDown);
    } else if (archive != null) {
      String degraded = archive.degradedReason();
      body.put("store", degraded == null ? "ok" : "degraded");
      if (degraded != null) {
        body.put("store_reason", degraded);
      }
    }
    ctx.response().setStatusCode(ready ? 200 : 503);
    ctx.json(body);
  }

  /**
   * The tokens' caps, with what the history says each has spent this month (a restart forgets nothing). The
   * read is quick and runs before the listener opens; until it is back no job can start, so none slips past.
   */
  private Budgets budgets(ClientTokens tokens) {
    java.util.Map<String, dev.seedstream.access.BudgetLimits> byClient = new java.util.HashMap<>();
    if (tokens != null) {
      tokens.budgets().forEach((name, limits) -> byClient.put("token:" + name, limits));
    }
    budgets = new Budgets(byClient, java.time.Clock.systemUTC());
    if (budgets.any() && archive != null) {
      spendingRead = restoreSpending();
    }
    return budgets;
  }

  private Future<Void> restoreSpending() {
    return archive.spending(budgets.monthStartMs(), budgets.dayStartMs()).map(rows -> {
      budgets.restore(rows);
      return null;
    });
  }

  private void metrics(RoutingContext ctx) {
    ctx.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(metrics.scrape());
  }

  private void models(RoutingContext ctx) {
    ctx.json(catalog.toJson().put("simulated", simulated).put("tokens_required", access.required()));
  }

  private StaticHandler staticFiles() {
    FileSystemAccess access = config.server().webRoot().isAbsolute() ? FileSystemAccess.ROOT : FileSystemAccess.RELATIVE;
    return StaticHandler.create(access, config.server().webRoot().toString())
      .setMaxAgeSeconds(60)
      .setDefaultContentEncoding("UTF-8");
  }
}
