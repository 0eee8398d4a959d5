package dev.seedstream.job;

import dev.seedstream.upstream.UpstreamCall;
import dev.seedstream.upstream.UpstreamClient;
import dev.seedstream.upstream.UpstreamEvents;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * The upstream seam, played by the test: every generation started is kept, and the test reports its
 * images and its end through {@link Started#events()} when it chooses.
 */
final class ScriptedUpstream implements UpstreamClient {

  private final List<Started> started = new ArrayList<>();

  /** One generation the gateway started, and whether it has been cancelled since. */
  static final class Started implements UpstreamCall {
    private final JsonObject body;
    private final UpstreamEvents events;
    private final Promise<Void> cancelled = Promise.promise();

    Started(JsonObject body, UpstreamEvents events) {
      this.body = body;
      this.events = events;
    }

    JsonObject body() {
      return body;
    }

    UpstreamEvents events() {
      return events;
    }

    /** Completes when the gateway aborts this call. */
    Future<Void> cancelled() {
      return cancelled.future();
    }

    @Override
    public void cancel() {
      cancelled.tryComplete();
    }
  }

  @Override
  public UpstreamCall start(JsonObject requestBody, UpstreamEvents events) {
    Started call = new Started(requestBody, events);
    started.add(call);
    return call;
  }

  @Override
  public Future<Void> relay(JsonObject body, boolean stream, HttpServerResponse client) {
    throw new UnsupportedOperationException("jobs never relay");
  }

  int count() {
    return started.size();
  }

  Started call(int n) {
    return started.get(n);
  }
}
