package dev.seedstream.support;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

import java.util.function.Supplier;

/**
 * Plain request/response calls for tests. The whole chain (request, send, read body) is built on one
 * Vert.x context: built from the test thread, a fast answer could arrive before the body handler is set
 * and be lost, which makes a test flaky rather than wrong. Every answer is checked against the contract
 * ({@link ResponseContract}): one that breaks {@code docs/openapi.yaml} fails the call, and so the test.
 */
public final class TestHttp {

  public record Response(int status, MultiMap headers, Buffer body) {
    public io.vertx.core.json.JsonObject json() {
      return body.toJsonObject();
    }

    public String header(String name) {
      return headers.get(name);
    }
  }

  private final Vertx vertx;
  private final HttpClient client;
  private final int port;

  public TestHttp(Vertx vertx, HttpClient client, int port) {
    this.vertx = vertx;
    this.client = client;
    this.port = port;
  }

  public Future<Response> call(HttpMethod method, String path, MultiMap headers, String body) {
    String caller = ContractCoverage.caller();
    RequestOptions options = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port).setURI(path);
    if (headers != null) {
      headers.forEach(options::addHeader);
    }
    return onContext(vertx, () -> client.request(options)
      .compose(req -> body == null ? req.send() : req.send(body))
      .compose(resp -> resp.body().map(b -> new Response(resp.statusCode(), resp.headers(), b))))
      .compose(response -> checked(method, path, response, caller));
  }

  public Future<Response> callBuffer(HttpMethod method, String path, MultiMap headers, Buffer body) {
    String caller = ContractCoverage.caller();
    RequestOptions options = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port).setURI(path);
    headers.forEach(options::addHeader);
    return onContext(vertx, () -> client.request(options)
      .compose(req -> req.send(body))
      .compose(resp -> resp.body().map(b -> new Response(resp.statusCode(), resp.headers(), b))))
      .compose(response -> checked(method, path, response, caller));
  }

  /** Off the event loop: the first check compiles the document's schemas, which must not stall the gateway. */
  private Future<Response> checked(HttpMethod method, String path, Response response, String caller) {
    return vertx.executeBlocking(() -> {
      ResponseContract.check(method, path, response.status(), response.headers(), response.body(), caller);
      return response;
    }, false);
  }

  public Response get(String path) {
    return Await.result(call(HttpMethod.GET, path, null, null));
  }

  public Response post(String path, String body) {
    return Await.result(call(HttpMethod.POST, path, null, body));
  }

  public Response delete(String path) {
    return Await.result(call(HttpMethod.DELETE, path, null, null));
  }

  public static <T> Future<T> onContext(Vertx vertx, Supplier<Future<T>> chain) {
    Promise<T> result = Promise.promise();
    Context context = vertx.getOrCreateContext();
    context.runOnContext(v -> chain.get().onComplete(result));
    return result.future();
  }
}
