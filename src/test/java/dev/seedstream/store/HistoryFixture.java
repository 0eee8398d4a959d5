package dev.seedstream.store;

import dev.seedstream.Gateway;
import dev.seedstream.config.ConfigLoader;
import dev.seedstream.sse.SseEvent;
import dev.seedstream.simulator.SimulatorOptions;
import dev.seedstream.support.Await;
import dev.seedstream.support.SseTestClient;
import dev.seedstream.support.TestHttp;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/** One gateway with its embedded simulator and an image store in a test's own data dir, driven over HTTP. */
final class HistoryFixture {

  static final String MODEL = "doubao-seedream-4-5-251128";

  final Vertx vertx = Gateway.newVertx();
  final HttpClient http = vertx.createHttpClient(new PoolOptions().setHttp1MaxSize(20));
  final Gateway gateway;
  final TestHttp api;

  HistoryFixture(Path dataDir, Map<String, String> overrides, UnaryOperator<SimulatorOptions> tuning) {
    Map<String, String> env = new HashMap<>();
    env.put("SEEDSTREAM_PORT", "0");
    env.put("SEEDSTREAM_SIMULATE", "true");
    env.put("SEEDSTREAM_DATA_DIR", dataDir.toString());
    env.put("SEEDSTREAM_SIM_FIRST_IMAGE_DELAY_MS", "1");
    env.put("SEEDSTREAM_SIM_BETWEEN_IMAGES_DELAY_MS", "1");
    env.put("SEEDSTREAM_SIM_IMAGE_SCALE", "16");
    if (TestPostgres.enabled()) {
      env.put("SEEDSTREAM_DATABASE_URL", TestPostgres.urlFor(dataDir));
    }
    if (TestS3.enabled()) {
      env.putAll(TestS3.envFor(dataDir));
    }
    env.putAll(overrides);
    gateway = Await.result(Gateway.start(vertx, ConfigLoader.load(env), tuning), 20_000);
    api = new TestHttp(vertx, http, gateway.port());
  }

  HistoryFixture(Path dataDir) {
    this(dataDir, Map.of(), UnaryOperator.identity());
  }

  static String body(String prompt, int images, String extra) {
    String group = images == 1 ? "\"sequential_image_generation\":\"disabled\""
      : "\"sequential_image_generation\":\"auto\",\"sequential_image_generation_options\":{\"max_images\":" + images + "}";
    return "{\"model\":\"" + MODEL + "\",\"prompt\":\"" + prompt + "\"," + group + extra + "}";
  }

  /** Runs a job to its end over the event stream; returns every event. */
  List<SseEvent> run(String body) {
    SseTestClient client = Await.result(SseTestClient.open(vertx, http, gateway.port(), HttpMethod.POST,
      "/api/generations", null, Buffer.buffer(body)));
    Await.result(client.ended(), 60_000);
    return client.events();
  }

  SseTestClient open(String body) {
    return Await.result(SseTestClient.open(vertx, http, gateway.port(), HttpMethod.POST, "/api/generations", null,
      Buffer.buffer(body)));
  }

  static String jobId(List<SseEvent> events) {
    return new JsonObject(events.get(0).data()).getString("id");
  }

  static List<JsonObject> images(List<SseEvent> events) {
    return events.stream().filter(e -> e.event().equals("image")).map(e -> new JsonObject(e.data())).toList();
  }

  void settled(String jobId, int images) {
    for (int i = 0; i < images; i++) {
      Await.result(gateway.verticle().archive().settled(jobId, i), 30_000);
    }
  }

  TestHttp.Response get(String path) {
    return Await.result(api.call(HttpMethod.GET, path, null, null), 30_000);
  }

  TestHttp.Response get(String path, String header, String value) {
    return Await.result(api.call(HttpMethod.GET, path, io.vertx.core.MultiMap.caseInsensitiveMultiMap().add(header, value),
      null), 30_000);
  }

  /** A GET to any URL on this machine (the simulator's image URLs). */
  int statusOf(String absoluteUrl) {
    return Await.result(TestHttp.onContext(vertx, () -> http.request(new io.vertx.core.http.RequestOptions()
      .setAbsoluteURI(absoluteUrl)).compose(r -> r.send()).compose(r -> r.body().map(b -> r.statusCode()))));
  }

  /** Completes when {@code condition} holds, checked every 20 ms: for states only time brings about. */
  Future<Void> when(java.util.function.BooleanSupplier condition) {
    Promise<Void> promise = Promise.promise();
    vertx.setPeriodic(20, id -> vertx.executeBlocking(condition::getAsBoolean, false).onSuccess(holds -> {
      if (holds && promise.tryComplete()) {
        vertx.cancelTimer(id);
      }
    }));
    return promise.future();
  }

  void close() {
    Await.result(vertx.close(), 20_000);
  }
}
