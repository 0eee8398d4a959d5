package dev.seedstream.dropin;

import dev.seedstream.sse.SseParser;
import dev.seedstream.support.ContractCoverage;
import dev.seedstream.support.EventStreamContract;
import dev.seedstream.support.ResponseContract;
import dev.seedstream.support.TestHttp;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

import java.util.ArrayList;
import java.util.List;

/**
 * One call whose answer is kept as raw bytes, exactly as they arrived: what a byte-for-byte relay must be
 * judged by. The response can be paused to play a slow client, and the connection cut to play a gone one.
 */
final class RawCall {

  private final Buffer bytes = Buffer.buffer();
  private final Promise<Void> ended = Promise.promise();
  private HttpClientRequest request;
  private HttpClientResponse response;
  private Context context;

  static Future<RawCall> post(Vertx vertx, HttpClient http, int port, String path, MultiMap headers, String body,
                              boolean startPaused) {
    RawCall call = new RawCall();
    String caller = ContractCoverage.caller();
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
      .setURI(path).putHeader("Content-Type", "application/json");
    if (headers != null) {
      options.getHeaders().addAll(headers);
    }
    return TestHttp.onContext(vertx, () -> http.request(options).compose(req -> {
      call.request = req;
      return req.send(body);
    }).map(resp -> {
      call.response = resp;
      call.context = Vertx.currentContext();
      if (startPaused) {
        resp.pause();
      }
      resp.handler(chunk -> {
        synchronized (call) {
          call.bytes.appendBuffer(chunk);
        }
      });
      // Off the event loop: parsing a long stream must not make this client a slow reader.
      resp.endHandler(v -> vertx.executeBlocking(() -> {
        call.checkContract(path, caller);
        return null;
      }, false).onComplete(checked -> {
        if (checked.succeeded()) {
          call.ended.tryComplete();
        } else {
          call.ended.tryFail(checked.cause());
        }
      }));
      resp.exceptionHandler(e -> call.ended.tryFail(e));
      return call;
    }));
  }

  /**
   * The whole answer against the contract: its status, headers and JSON against {@code docs/openapi.yaml},
   * and, when it is a stream, each relayed event against {@code docs/asyncapi.yaml}.
   */
  private void checkContract(String path, String caller) {
    Buffer body = bytes();
    boolean stream = String.valueOf(response.getHeader("Content-Type")).startsWith("text/event-stream");
    ResponseContract.check(HttpMethod.POST, path, response.statusCode(), response.headers(), stream ? null : body, caller);
    EventStreamContract contract = stream ? EventStreamContract.forUri(path, caller) : null;
    if (contract != null) {
      List<String> problems = new ArrayList<>();
      SseParser parser = new SseParser(64 << 20, event -> problems.addAll(contract.onEvent(event)));
      parser.feed(body.getBytes());
      parser.end();
      if (!problems.isEmpty()) {
        throw new AssertionError(String.join("\n", problems));
      }
    }
  }

  HttpClientResponse response() {
    return response;
  }

  synchronized Buffer bytes() {
    return bytes.copy();
  }

  synchronized int length() {
    return bytes.length();
  }

  /** Completes when the answer ended normally; fails when the connection was cut first. */
  Future<Void> ended() {
    return ended.future();
  }

  void resume() {
    context.runOnContext(v -> response.resume());
  }

  void close() {
    request.connection().close();
  }
}
