package dev.seedstream.upstream;

import dev.seedstream.config.GatewayConfig;
import dev.seedstream.observe.GatewayMetrics;
import dev.seedstream.sse.BlockPool;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;

/**
 * Calls the Seedream generations endpoint of an upstream of the pool ({@link UpstreamPool}) over HTTP with {@code stream: true} and reads the answer as a
 * stream. Vert.x's client defaults (5 pooled connections, an unbounded wait queue, a 60 s connect timeout,
 * no read timeouts) would silently queue the sixth generation, so every limit here is explicit.
 */
public final class HttpUpstreamClient implements UpstreamClient {

  private final Vertx vertx;
  private final GatewayConfig config;
  /** Made at the first call ({@link FirstUseHttpClient}). */
  private final FirstUseHttpClient http;
  private final UpstreamPool pool;
  private final GatewayMetrics metrics;
  /** Off-heap blocks for large events, up to the replay budget: see {@link BlockPool}. */
  private final BlockPool blocks;

  public HttpUpstreamClient(Vertx vertx, GatewayConfig config, GatewayMetrics metrics) {
    this.vertx = vertx;
    this.metrics = metrics;
    this.config = config;
    this.pool = new UpstreamPool(vertx, config.upstream(), metrics);
    this.blocks = new BlockPool(config.limits().maxBufferedBytes());
    metrics.watchEventBlocks(blocks::bytesInUse, blocks::bytesAllocated);
    HttpClientOptions options = new HttpClientOptions()
      .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, config.timeouts().connectTimeoutMs()))
      .setKeepAlive(true)
      // Generations are tens of seconds apart per connection; an idle upstream connection kept longer
      // only holds a file descriptor that a new stream may need (each stream already costs two).
      .setKeepAliveTimeout(10)
      .setVerifyHost(true)
      .setTrustAll(false);
    // One connection per running job, and a wait queue no longer than the job limit: a queue can only
    // form if something outside the job limit borrows connections, and then it fails fast.
    PoolOptions connections = new PoolOptions()
      .setHttp1MaxSize(config.limits().maxActiveJobs())
      .setHttp2MaxSize(Math.max(1, config.limits().maxActiveJobs() / 50))
      .setMaxWaitQueueSize(config.limits().maxActiveJobs());
    this.http = new FirstUseHttpClient(vertx, options, connections);
  }

  @Override
  public UpstreamCall start(JsonObject requestBody, UpstreamEvents events) {
    UpstreamExchange exchange = new UpstreamExchange(vertx, http.get(), config, pool, events, metrics, blocks);
    exchange.start(requestBody.copy().put("stream", true));
    return exchange;
  }

  @Override
  public Future<Void> relay(JsonObject body, boolean stream, HttpServerResponse client) {
    return new UpstreamRelay(vertx, http.get(), config, pool, metrics, client).start(body, stream);
  }

  /** The upstreams calls go to: their health for {@code /readyz}, and where a reload lands. */
  public UpstreamPool pool() {
    return pool;
  }

  public Future<Void> close() {
    pool.close();
    return http.close();
  }
}
