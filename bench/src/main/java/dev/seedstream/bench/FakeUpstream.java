package dev.seedstream.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PfxOptions;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A Seedream upstream that answers {@code POST /v1/images/generations} with the upstream's own SSE framing
 * ({@code event:} + {@code data:} + blank line, ending with {@code image_generation.completed} and
 * {@code data: [DONE]}). Every image event carries its send time, {@link System#nanoTime()}, as {@code ?t=} in
 * its URL: the URL comes before {@code b64_json} and survives every relay, /api's re-encoding included, so the
 * client can read it within the first bytes of the event. All processes share the host's CLOCK_MONOTONIC,
 * which is what HotSpot's nanoTime reads on Linux, so the client's nanoTime minus this stamp is the one-way
 * latency. It pushes like a real upstream: it never waits for a slow reader.
 *
 * <p>With {@link #serveImages} it also serves every image URL it hands out over https, from a certificate the
 * bench made for the run, so a gateway with its image store on downloads each image as it would from the real
 * upstream's image host (the bench adds that certificate to the gateway's trust store, as a user would).
 */
final class FakeUpstream {

  static final String PATH = "/v1/images/generations";

  private final Vertx vertx;
  private final Payloads payloads = new Payloads();
  private final Set<Runnable> held = ConcurrentHashMap.newKeySet();
  private final AtomicInteger active = new AtomicInteger();
  private HttpServer server;
  private HttpServer images;
  /** The image URLs' origin: https on the image server once it listens, else a URL nothing answers. */
  private volatile String imageOrigin = "http://127.0.0.1";

  FakeUpstream(Vertx vertx) {
    this.vertx = vertx;
  }

  Future<FakeUpstream> listen(int port) {
    server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port)
      .setAcceptBacklog(4096).setTcpNoDelay(true)).requestHandler(this::handle);
    return server.listen().map(s -> this);
  }

  /**
   * Serves {@code GET /bench/<n>.jpeg} over https on {@code port} with the key in {@code keyStore} (PKCS#12):
   * one fixed body of {@code imageBytes} starting with a JPEG signature, random after it.
   */
  Future<FakeUpstream> serveImages(int port, String keyStore, String password, int imageBytes) {
    Buffer body = Payloads.image(imageBytes);
    images = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(port).setSsl(true)
        .setKeyCertOptions(new PfxOptions().setPath(keyStore).setPassword(password)).setAcceptBacklog(4096))
      .requestHandler(request -> {
        if (request.path().startsWith("/bench/")) {
          request.response().putHeader("Content-Type", "image/jpeg").end(body);
        } else {
          request.response().setStatusCode(404).end();
        }
      });
    return images.listen().map(s -> {
      imageOrigin = "https://127.0.0.1:" + s.actualPort();
      return this;
    });
  }

  String imageOrigin() {
    return imageOrigin;
  }

  Future<Void> close() {
    return server.close();
  }

  /** Builds a payload ahead of a run, so the first stream of a run does not pay for it. */
  void prepare(int payloadBytes) {
    if (payloadBytes > 0) {
      payloads.b64(payloadBytes);
    }
  }

  /** Ends every held stream normally (completed, [DONE]); each release hops to its stream's own context. */
  void releaseHeld() {
    for (Runnable release : Set.copyOf(held)) {
      if (held.remove(release)) {
        release.run();
      }
    }
  }

  int activeStreams() {
    return active.get();
  }

  private void handle(HttpServerRequest request) {
    if (request.method().name().equals("POST") && PATH.equals(request.path())) {
      request.body().onSuccess(body -> stream(request.response(), body));
    } else {
      request.response().setStatusCode(404).end();
    }
  }

  private void stream(HttpServerResponse response, Buffer body) {
    JsonObject request = new JsonObject(body);
    String model = request.getString("model", "doubao-seedream-4-0-250828");
    StreamProfile profile = StreamProfile.fromPrompt(request.getString("prompt"));
    Buffer payload = profile.payloadBytes() > 0 ? payloads.b64(profile.payloadBytes()) : null;
    response.setChunked(true).putHeader("Content-Type", "text/event-stream")
      .putHeader("Cache-Control", "no-cache");
    response.writeHead();
    active.incrementAndGet();
    new UpstreamStream(vertx, response, model, profile, payload, this).start();
  }

  void hold(Runnable release) {
    held.add(release);
  }

  void unhold(Runnable release) {
    held.remove(release);
  }

  void ended() {
    active.decrementAndGet();
  }
}
