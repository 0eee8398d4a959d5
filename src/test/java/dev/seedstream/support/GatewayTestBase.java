package dev.seedstream.support;

import dev.seedstream.Gateway;
import dev.seedstream.http.GatewayVerticle;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.PoolOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import java.util.Map;

/**
 * What the HTTP-level gateway tests share: a Vert.x, a scripted fake upstream on a free port and a client
 * per test, and the gateway started on demand with test settings plus a test's own overrides.
 */
public abstract class GatewayTestBase {

  protected Vertx vertx;
  protected FakeUpstream fake;
  protected HttpClient http;
  protected TestHttp api;
  protected GatewayVerticle gateway;
  protected int port;

  @BeforeEach
  void startVertxAndFakeUpstream() {
    vertx = Gateway.newVertx();
    fake = Await.result(FakeUpstream.start(vertx));
    // Room for the tests that hold hundreds of streams at once.
    http = vertx.createHttpClient(new PoolOptions().setHttp1MaxSize(2000));
  }

  @AfterEach
  void closeVertx() {
    Await.result(vertx.close(), 20_000);
  }

  protected void startGateway(Map<String, String> overrides) {
    startGateway(fake.url(), overrides);
  }

  protected void startGateway(String upstreamUrl, Map<String, String> overrides) {
    gateway = Await.result(TestGateway.start(vertx, TestGateway.config(upstreamUrl, overrides)));
    port = gateway.actualPort();
    api = new TestHttp(vertx, http, port);
  }
}
