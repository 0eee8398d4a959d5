package dev.seedstream.bench;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * One run of the cross-node scenario: {@code jobs} jobs created on the owner node ({@code POST /api/generations},
 * answered 202), each watched by two clients at once, one on the owner ({@code same}) and one on the other node
 * ({@code cross}), both through the job's signed {@code events_url}. Both listeners see the same events sent by the
 * fake upstream at the same moments, so the two histograms differ only by the node the listener is on.
 * Everything runs on one context, so the stats need no locks.
 */
final class CrossNodeRun {

  /** Job creations in flight at once: the owner answers each quickly, this only keeps a burst bounded. */
  private static final int MAX_PENDING = 32;

  final RunStats same = new RunStats();
  final RunStats cross = new RunStats();
  private final HttpClientAgent http;
  private final Context context;
  private final int ownerPort;
  private final int otherPort;
  private final List<Future<Void>> attached = new ArrayList<>();
  private final List<Future<Void>> ended = new ArrayList<>();
  private long recordFromNanos;
  private int next;
  private int jobs;
  private IntFunction<StreamProfile> profileOf;
  private Promise<Void> created;
  private int outstanding;

  private CrossNodeRun(HttpClientAgent http, Context context, int ownerPort, int otherPort) {
    this.http = http;
    this.context = context;
    this.ownerPort = ownerPort;
    this.otherPort = otherPort;
  }

  /**
   * The client every run uses: no keep-alive, so each listener has its own connection and none stays open in a
   * node after its run (the load client's settings).
   */
  static HttpClientAgent client(Vertx vertx) {
    return vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false).setTcpNoDelay(true)
      .setConnectTimeout(10_000), new PoolOptions().setHttp1MaxSize(20_000).setMaxWaitQueueSize(-1));
  }

  static CrossNodeRun on(Vertx vertx, HttpClientAgent http, int ownerPort, int otherPort) {
    return new CrossNodeRun(http, vertx.getOrCreateContext(), ownerPort, otherPort);
  }

  /**
   * Creates the jobs and attaches both listeners to each; completes once every listener has its response head.
   * Events stamped before {@code recordFromNanos} or before that moment go to the opening histograms only.
   */
  Future<Void> start(int jobs, IntFunction<StreamProfile> profileOf, long recordFromNanos) {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      this.jobs = jobs;
      this.profileOf = profileOf;
      this.recordFromNanos = Long.MAX_VALUE;
      this.created = Promise.promise();
      created.future().compose(x -> Future.join(attached)).onComplete(ar -> {
        this.recordFromNanos = Math.max(recordFromNanos, System.nanoTime());
        done.complete();
      });
      launch();
    });
    return done.future();
  }

  /** Completes once every listener has ended, normally or not. */
  Future<Void> ended() {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> Future.join(ended).onComplete(ar -> done.complete()));
    return done.future();
  }

  private void launch() {
    if (next == jobs && outstanding == 0) {
      created.tryComplete();
    }
    while (outstanding < MAX_PENDING && next < jobs) {
      outstanding++;
      create(profileOf.apply(next++)).onComplete(ar -> {
        outstanding--;
        launch();
      });
    }
  }

  private Future<Void> create(StreamProfile profile) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(ownerPort)
      .setURI("/api/generations").putHeader("Content-Type", "application/json")
      .putHeader("Authorization", "Bearer bench");
    String body = Comparator.seedstreamApi("seedstream", "owner", ownerPort, null).body(profile);
    return http.request(options).compose(req -> req.send(body)).compose(resp -> resp.body().map(b -> {
      if (resp.statusCode() != 202) {
        same.error("create_http_" + resp.statusCode());
        cross.error("create_http_" + resp.statusCode());
        return null;
      }
      String eventsUrl = new JsonObject(b).getString("events_url");
      listen(same, ownerPort, eventsUrl);
      listen(cross, otherPort, eventsUrl);
      return (Void) null;
    })).recover(e -> {
      same.error("create_" + BenchStream.classify(e));
      cross.error("create_" + BenchStream.classify(e));
      return Future.succeededFuture();
    });
  }

  private void listen(RunStats stats, int port, String eventsUrl) {
    JobListener listener = new JobListener(stats, () -> recordFromNanos).open(http, port, eventsUrl);
    attached.add(listener.attached());
    ended.add(listener.ended());
  }
}
