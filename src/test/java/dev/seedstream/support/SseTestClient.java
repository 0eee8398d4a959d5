package dev.seedstream.support;

import dev.seedstream.sse.SseEvent;
import dev.seedstream.sse.SseParser;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A test's view of one event stream from the gateway: every event with the nanoTime it arrived, the raw
 * text (to see comments such as heartbeats), and futures to wait for the n-th event or the end. The answer
 * is checked against the contract as it arrives: its head and a refusal's JSON against
 * {@code docs/openapi.yaml} ({@link ResponseContract}), each event against {@code docs/asyncapi.yaml}
 * ({@link EventStreamContract}); a violation fails the futures a test waits on, naming the event and why.
 */
public final class SseTestClient {

  public record Received(SseEvent event, long atNanos) {
  }

  // The checks run here, in arrival order, and never on an event loop: a reader slowed by them would be
  // a slow reader to the gateway (and dropped by its write timeout) rather than the one the test means.
  private static final ExecutorService CHECKS = Executors.newSingleThreadExecutor(task -> {
    Thread thread = new Thread(task, "contract-check");
    thread.setDaemon(true);
    return thread;
  });

  private final List<Received> received = new ArrayList<>();
  private final List<Promise<Received>> waiting = new ArrayList<>();
  private final Promise<Void> ended = Promise.promise();
  private final StringBuilder raw = new StringBuilder();
  private HttpClientRequest request;
  private HttpClientResponse response;
  private HttpMethod method;
  private String uri;
  private String caller;
  private EventStreamContract contract;
  private AssertionError violation;

  public static Future<SseTestClient> open(Vertx vertx, HttpClient http, int port, HttpMethod method, String path,
                                           MultiMap headers, Buffer body) {
    SseTestClient client = new SseTestClient();
    client.method = method;
    client.uri = path;
    client.caller = ContractCoverage.caller();
    RequestOptions options = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port).setURI(path)
      .putHeader("Accept", "text/event-stream");
    if (headers != null) {
      options.getHeaders().addAll(headers);
    }
    return TestHttp.onContext(vertx, () -> http.request(options).compose(req -> {
      client.request = req;
      return body == null ? req.send() : req.putHeader("Content-Type", "application/json").send(body);
    }).map(resp -> {
      client.attach(resp);
      return client;
    }));
  }

  public static Future<SseTestClient> get(Vertx vertx, HttpClient http, int port, String path, String lastEventId) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    if (lastEventId != null) {
      headers.add("Last-Event-ID", lastEventId);
    }
    return open(vertx, http, port, HttpMethod.GET, path, headers, null);
  }

  private void attach(HttpClientResponse resp) {
    this.response = resp;
    boolean stream = resp.statusCode() == 200 && String.valueOf(resp.getHeader("Content-Type")).startsWith("text/event-stream");
    if (stream) {
      // The head now (its status and headers); the events one by one below; the text at the end.
      contract = EventStreamContract.forUri(uri, caller);
      CHECKS.execute(() -> {
        try {
          ResponseContract.check(method, uri, resp.statusCode(), resp.headers(), null, caller);
        } catch (AssertionError e) {
          violated(e);
        }
      });
    }
    SseParser parser = new SseParser(64 << 20, this::onEvent);
    resp.handler(chunk -> {
      synchronized (this) {
        if (raw.length() < 1 << 20) {
          raw.append(chunk.toString());
        }
      }
      parser.feed(chunk.getBytes());
    });
    // The end is reported after the checks of every event before it.
    resp.endHandler(v -> {
      parser.end();
      CHECKS.execute(() -> {
        checkWhole(resp, stream);
        ended.tryComplete();
      });
    });
    resp.exceptionHandler(e -> CHECKS.execute(ended::tryComplete));
  }

  /** Once the answer is complete: a refusal's JSON body, or the stream's text (its retry: head and comments). */
  private void checkWhole(HttpClientResponse resp, boolean stream) {
    String text = raw();
    if (text.length() >= 1 << 20) {
      return; // only the first MiB is kept
    }
    try {
      if (!stream) {
        ResponseContract.check(method, uri, resp.statusCode(), resp.headers(), Buffer.buffer(text), caller);
      } else if (contract != null) {
        List<String> problems = contract.onText(text);
        if (!problems.isEmpty()) {
          throw new AssertionError(String.join("; ", problems));
        }
      }
    } catch (AssertionError e) {
      violated(e);
    }
  }

  private synchronized void violated(AssertionError error) {
    if (violation == null) {
      violation = error;
    }
    waiting.forEach(p -> p.tryFail(violation));
    ended.tryFail(violation);
  }

  private synchronized void onEvent(SseEvent event) {
    if (contract != null) {
      CHECKS.execute(() -> {
        List<String> problems = contract.onEvent(event);
        if (!problems.isEmpty()) {
          violated(new AssertionError(String.join("; ", problems)));
        }
      });
    }
    Received r = new Received(event, System.nanoTime());
    received.add(r);
    while (waiting.size() < received.size()) {
      waiting.add(Promise.promise());
    }
    if (violation != null) {
      waiting.get(received.size() - 1).tryFail(violation);
    } else {
      waiting.get(received.size() - 1).tryComplete(r);
    }
  }

  public HttpClientResponse response() {
    return response;
  }

  /** The n-th event (0-based) of this stream, when it arrives. */
  public synchronized Future<Received> event(int n) {
    while (waiting.size() <= n) {
      waiting.add(Promise.promise());
    }
    if (violation != null) {
      waiting.get(n).tryFail(violation);
    }
    return waiting.get(n).future();
  }

  public synchronized List<SseEvent> events() {
    return received.stream().map(Received::event).toList();
  }

  public synchronized String raw() {
    return raw.toString();
  }

  public Future<Void> ended() {
    return ended.future();
  }

  /** Cuts the connection, as a closed tab or a dropped network would. */
  public void close() {
    request.connection().close();
  }
}
