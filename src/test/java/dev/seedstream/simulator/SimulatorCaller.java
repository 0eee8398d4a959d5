package dev.seedstream.simulator;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Supplier;

/** Talks to a simulator over real HTTP on 127.0.0.1, the way the gateway will. */
final class SimulatorCaller {

  static final String ARK = "/api/v3/images/generations";
  static final String DMX = "/v1/images/generations";

  record Answer(int status, MultiMap headers, Buffer body) {
    String text() {
      return body.toString(StandardCharsets.UTF_8);
    }

    JsonObject json() {
      return body.toJsonObject();
    }
  }

  /** A stream being read: the response (once its head arrived) and each frame as it completes. */
  record OpenStream(Future<HttpClientResponse> response, BlockingQueue<String> frames, Future<Void> ended) {
  }

  private final HttpClient client;
  private final Context context;
  private final int port;

  SimulatorCaller(Vertx vertx, int port) {
    this.client = vertx.createHttpClient(new HttpClientOptions(), new PoolOptions().setHttp1MaxSize(8));
    this.context = vertx.getOrCreateContext();
    this.port = port;
  }

  Answer post(String path, String authorization, String body) {
    return onContext(() -> send(HttpMethod.POST, path, authorization, body)).await();
  }

  Answer get(String uri) {
    return onContext(() -> send(HttpMethod.GET, uri, null, null)).await();
  }

  /** Starts a POST and hands over every frame (text up to and excluding the blank line) as it arrives. */
  OpenStream open(String path, String authorization, String body) {
    BlockingQueue<String> frames = new LinkedBlockingQueue<>();
    Promise<HttpClientResponse> response = Promise.promise();
    Future<Void> ended = onContext(() -> client.request(options(HttpMethod.POST, path))
      .compose(request -> authorized(request, authorization).send(body))
      .onComplete(response)
      .compose(r -> {
        RecordParser.newDelimited("\n\n", r).handler(frame -> frames.add(frame.toString(StandardCharsets.UTF_8)));
        return r.end();
      }));
    return new OpenStream(response.future(), frames, ended);
  }

  Future<Void> close() {
    return client.close();
  }

  /**
   * Builds the whole request chain on one Vert.x context. Built from the test thread, a fast answer
   * on a pooled connection could arrive before {@code body()} is attached, and its bytes would be lost.
   */
  private <T> Future<T> onContext(Supplier<Future<T>> chain) {
    Promise<T> result = Promise.promise();
    context.runOnContext(v -> chain.get().onComplete(result));
    return result.future();
  }

  private Future<Answer> send(HttpMethod method, String uri, String authorization, String body) {
    return client.request(options(method, uri))
      .compose(request -> body == null ? request.send() : authorized(request, authorization).send(body))
      .compose(response -> response.body().map(b -> new Answer(response.statusCode(), response.headers(), b)));
  }

  private RequestOptions options(HttpMethod method, String uri) {
    return new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port).setURI(uri);
  }

  private static HttpClientRequest authorized(HttpClientRequest request, String authorization) {
    request.putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
    if (authorization != null) {
      request.putHeader(HttpHeaders.AUTHORIZATION, authorization);
    }
    return request;
  }
}
