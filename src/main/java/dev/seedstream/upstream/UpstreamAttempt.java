package dev.seedstream.upstream;

import dev.seedstream.config.GatewayConfig;
import dev.seedstream.config.UpstreamEntry;
import dev.seedstream.failure.ErrorCode;
import dev.seedstream.observe.GatewayMetrics;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

/**
 * One call to one upstream of the pool, from the choice to its end: the entry (URL and key) it was started with,
 * however the pool is reloaded meanwhile, and the verdict it gives that upstream's breaker, once.
 */
final class UpstreamAttempt {

  /** A 429 without Retry-After cools its upstream down this long. */
  static final long DEFAULT_COOLDOWN_MS = 5000;

  private final UpstreamPool pool;
  private final PooledUpstream upstream;
  private final UpstreamEntry entry;
  private final UpstreamErrors errors;
  private final GatewayMetrics metrics;
  private final long startedNanos = System.nanoTime();
  private boolean judged;
  private boolean errored;
  private boolean firstImage;
  private boolean ended;

  UpstreamAttempt(UpstreamPool pool, PooledUpstream upstream, GatewayMetrics metrics) {
    this.pool = pool;
    this.upstream = upstream;
    this.entry = upstream.entry();
    this.errors = upstream.errors();
    this.metrics = metrics;
  }

  String name() {
    return entry.name();
  }

  UpstreamErrors errors() {
    return errors;
  }

  /** The generations request to this upstream with its key; the client's own Authorization never goes upstream. */
  RequestOptions options(GatewayConfig config, String accept) {
    return new RequestOptions()
      .setMethod(HttpMethod.POST)
      .setAbsoluteURI(entry.url())
      .setConnectTimeout(config.timeouts().connectTimeoutMs())
      .putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + entry.apiKey())
      .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
      .putHeader(HttpHeaders.ACCEPT, accept)
      .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache");
  }

  /** The upstream answered with the first byte of a stream: it is up. */
  void answered() {
    if (!judged) {
      judged = true;
      upstream.breaker.succeeded();
    }
  }

  void firstImage() {
    if (!firstImage) {
      firstImage = true;
      metrics.upstreamFirstImage(entry.name(), System.nanoTime() - startedNanos);
    }
  }

  /**
   * The call failed with {@code code}; {@code upstreamDown} when the failure proves the upstream unhealthy
   * (no connection, a 5xx, nothing before the first-event deadline), which counts against its breaker.
   */
  void failed(ErrorCode code, boolean upstreamDown) {
    countError(code);
    if (upstreamDown && !judged) {
      judged = true;
      upstream.breaker.failed();
    }
  }

  /** A 429: this upstream (this key) cools down for Retry-After, and new calls go elsewhere while they can. */
  void rateLimited(Long retryAfterSeconds) {
    countError(ErrorCode.UPSTREAM_RATE_LIMITED);
    upstream.coolDown(retryAfterSeconds == null ? DEFAULT_COOLDOWN_MS : retryAfterSeconds * 1000, System.nanoTime());
  }

  /** Each call counts once among its upstream's errors, under the first code it failed with. */
  private void countError(ErrorCode code) {
    if (!errored) {
      errored = true;
      metrics.upstreamError(entry.name(), code.wire());
    }
  }

  boolean ended() {
    return ended;
  }

  /** Over: the upstream's concurrency slot is free again, and a half-open trial with no verdict makes way. */
  void end() {
    if (!ended) {
      ended = true;
      upstream.ended();
      if (!judged) {
        upstream.breaker.noVerdict();
      }
    }
  }
}
