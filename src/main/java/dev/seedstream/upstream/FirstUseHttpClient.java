package dev.seedstream.upstream;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.PoolOptions;

/**
 * A Vert.x HTTP client made at its first use rather than with its owner (the upstream client, the store's
 * downloads): choosing its TLS engine loads BoringSSL ({@link NativeTls}), 0.1-0.2 s of a core that start-up would
 * otherwise wait for. Synchronized because {@link #close} may come from another thread than the calls; one made
 * after the close is closed at once, so that its call fails as it did when the client was made with its owner.
 */
public final class FirstUseHttpClient {

  private final Vertx vertx;
  private final HttpClientOptions options;
  private final PoolOptions pool;
  private HttpClientAgent http;
  private boolean closed;

  /** {@code options} without a TLS engine: {@link NativeTls} sets it when the client is made. */
  public FirstUseHttpClient(Vertx vertx, HttpClientOptions options, PoolOptions pool) {
    this.vertx = vertx;
    this.options = options;
    this.pool = pool;
  }

  public synchronized HttpClientAgent get() {
    if (http == null) {
      // Every connection gets its body tap as it is made, so the tap has seen each of its responses whole.
      http = vertx.httpClientBuilder().with(NativeTls.apply(options)).with(pool).withConnectHandler(BodyTap::install).build();
      if (closed) {
        http.close();
      }
    }
    return http;
  }

  public synchronized Future<Void> close() {
    closed = true;
    return http == null ? Future.succeededFuture() : http.close();
  }
}
