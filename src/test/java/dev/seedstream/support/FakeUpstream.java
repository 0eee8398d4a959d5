package dev.seedstream.support;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A scripted stand-in for the Seedream upstream, on 127.0.0.1 and a free port. Each generation request
 * becomes a {@link FakeExchange} that the test drives by hand (head, events, raw bytes, end, reset), so
 * a test decides exactly when each byte leaves and can see when the gateway closes the connection.
 */
public final class FakeUpstream {

  private final List<FakeExchange> exchanges = new ArrayList<>();
  private final List<Promise<FakeExchange>> waiting = new ArrayList<>();
  private HttpServer server;
  private String scheme;
  private Consumer<FakeExchange> autoScript;

  public static Future<FakeUpstream> start(Vertx vertx) {
    return start(vertx, new HttpServerOptions());
  }

  /** A fake whose every close is a TCP reset (SO_LINGER 0), as a crashing upstream or a middlebox sends. */
  public static Future<FakeUpstream> startResetting(Vertx vertx) {
    return start(vertx, new HttpServerOptions().setSoLinger(0));
  }

  /** A fake served over https with the build's test certificate for 127.0.0.1, which the tests' JVM trusts. */
  public static Future<FakeUpstream> startTls(Vertx vertx) {
    return start(vertx, new HttpServerOptions().setSsl(true).setKeyCertOptions(TestTls.serverKey()));
  }

  private static Future<FakeUpstream> start(Vertx vertx, HttpServerOptions options) {
    FakeUpstream fake = new FakeUpstream();
    fake.scheme = options.isSsl() ? "https" : "http";
    fake.server = vertx.createHttpServer(options).requestHandler(fake::onRequest);
    return fake.server.listen(0, "127.0.0.1").map(s -> fake);
  }

  public String url() {
    return scheme + "://127.0.0.1:" + server.actualPort() + "/api/v3/images/generations";
  }

  public int port() {
    return server.actualPort();
  }

  /** Answers every request (past and future) with this script instead of waiting for the test. */
  public synchronized FakeUpstream autoScript(Consumer<FakeExchange> script) {
    this.autoScript = script;
    return this;
  }

  public synchronized int requestCount() {
    return exchanges.size();
  }

  /** The n-th request (0-based), as soon as its whole body has arrived. */
  public synchronized Future<FakeExchange> exchange(int n) {
    while (waiting.size() <= n) {
      waiting.add(Promise.promise());
    }
    return waiting.get(n).future();
  }

  public Future<Void> close() {
    return server.close();
  }

  private void onRequest(HttpServerRequest request) {
    request.body().onSuccess(body -> {
      FakeExchange exchange = new FakeExchange(request, body);
      Consumer<FakeExchange> script;
      Promise<FakeExchange> promise;
      synchronized (this) {
        exchanges.add(exchange);
        script = autoScript;
        while (waiting.size() < exchanges.size()) {
          waiting.add(Promise.promise());
        }
        promise = waiting.get(exchanges.size() - 1);
      }
      if (script != null) {
        script.accept(exchange);
      }
      promise.tryComplete(exchange);
    });
  }
}
