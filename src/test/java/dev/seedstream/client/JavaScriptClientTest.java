package dev.seedstream.client;

import dev.seedstream.Gateway;
import dev.seedstream.browser.CuttableProxy;
import dev.seedstream.config.ConfigLoader;
import dev.seedstream.simulator.Simulator;
import dev.seedstream.support.Await;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Runs the JavaScript client's {@code node --test} suites (src/test/js/*.test.mjs) against real gateways
 * in simulator mode: an open one whose images wait until a suite releases them, behind a proxy a suite can
 * cut, and one with client tokens and a small images-per-minute limit. The suites drive the gateways through
 * a small control server (release an image, cut the proxy, count upstream calls). Node comes from the
 * system ({@code .ci/run} installs Debian's nodejs); without it this test fails and says so.
 */
class JavaScriptClientTest {

  static final Path SUITES = Path.of("src/test/js");
  static final Map<String, String> TOKENS = Map.of("alice", "alice-token-0123456789", "bob", "bob-token-0123456789",
    "carol", "carol-token-0123456789");
  static final String CORS_ORIGIN = "http://app.example.test";
  static final long NODE_TIMEOUT_SECONDS = 180;

  final Vertx vertx = Gateway.newVertx();
  final List<Gateway> gateways = new ArrayList<>();
  final List<CuttableProxy> proxies = new ArrayList<>();
  HttpServer control;

  @AfterEach
  void stop() {
    try {
      if (control != null) {
        Await.result(control.close());
      }
      proxies.forEach(p -> Await.result(p.close()));
      gateways.forEach(g -> Await.result(g.close()));
    } finally {
      Await.result(vertx.close());
    }
  }

  @Test
  @DisplayName("node --test: the JavaScript client against real gateways (order, resume, cancel, errors, tokens)")
  void nodeSuitesPass(@TempDir Path openData, @TempDir Path tokenData) throws Exception {
    String node = requireNode();
    Gateway open = start(openData, Map.of("SEEDSTREAM_CORS_ORIGINS", CORS_ORIGIN));
    HeldImages held = new HeldImages(open.simulator());
    CuttableProxy openProxy = proxy(open);
    StringBuilder tokenList = new StringBuilder();
    TOKENS.forEach((name, token) -> tokenList.append(tokenList.isEmpty() ? "" : ",").append(name).append(':').append(token));
    Gateway tokens = start(tokenData, Map.of("SEEDSTREAM_TOKENS", tokenList.toString(),
      "SEEDSTREAM_IMAGES_PER_MINUTE_PER_CLIENT", "4"));
    CuttableProxy tokenProxy = proxy(tokens);
    control = Await.result(controlServer(Map.of("open", open, "tokens", tokens), held,
      Map.of("open", openProxy, "tokens", tokenProxy)));

    Map<String, String> env = new HashMap<>();
    env.put("SEEDSTREAM_TEST_GATEWAY", "http://127.0.0.1:" + open.port());
    env.put("SEEDSTREAM_TEST_PROXY", "http://127.0.0.1:" + openProxy.port());
    env.put("SEEDSTREAM_TEST_TOKENS_GATEWAY", "http://127.0.0.1:" + tokenProxy.port());
    env.put("SEEDSTREAM_TEST_CONTROL", "http://127.0.0.1:" + control.actualPort());
    env.put("SEEDSTREAM_TEST_CORS_ORIGIN", CORS_ORIGIN);
    TOKENS.forEach((name, token) -> env.put("SEEDSTREAM_TEST_TOKEN_" + name.toUpperCase(), token));

    NodeRun run = runNode(node, env);
    System.out.println(run.output);
    if (run.exitCode != 0) {
      fail("node --test failed (exit " + run.exitCode + "):\n" + run.output);
    }
    assertThat(run.output).as("node's summary").containsPattern("(?m)^# fail 0$").doesNotContainPattern("(?m)^# pass 0$");
  }

  static String requireNode() {
    try {
      Process probe = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
      String version = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!probe.waitFor(30, TimeUnit.SECONDS) || probe.exitValue() != 0) {
        throw new AssertionError("node --version failed: " + version);
      }
      int major = Integer.parseInt(version.replaceFirst("^v(\\d+).*", "$1"));
      if (major < 18) {
        throw new AssertionError("the JavaScript client's tests need Node 18 or newer; found " + version);
      }
      return "node";
    } catch (IOException e) {
      throw new AssertionError("node is not installed: the JavaScript client's tests need Node.js 18 or newer "
        + "(Debian: apt-get install nodejs; .ci/run installs it)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  record NodeRun(int exitCode, String output) {
  }

  static NodeRun runNode(String node, Map<String, String> env) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(node, "--test", "--test-reporter=tap"));
    try (Stream<Path> files = Files.list(SUITES)) {
      files.filter(f -> f.getFileName().toString().endsWith(".test.mjs")).sorted().map(Path::toString).forEach(command::add);
    }
    assertThat(command).as("suites in " + SUITES).hasSizeGreaterThan(3);
    Path log = Files.createTempFile("seedstream-node-", ".log");
    try {
      ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
      builder.environment().putAll(env);
      Process process = builder.start();
      if (!process.waitFor(NODE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor();
        return new NodeRun(-1, Files.readString(log) + "\n(node --test did not end within " + NODE_TIMEOUT_SECONDS + " s)");
      }
      return new NodeRun(process.exitValue(), Files.readString(log));
    } finally {
      Files.deleteIfExists(log);
    }
  }

  Gateway start(Path dataDir, Map<String, String> overrides) {
    Map<String, String> env = new HashMap<>(Map.of(
      "SEEDSTREAM_PORT", "0",
      "SEEDSTREAM_SIMULATE", "true",
      "SEEDSTREAM_SIM_FIRST_IMAGE_DELAY_MS", "5",
      "SEEDSTREAM_SIM_BETWEEN_IMAGES_DELAY_MS", "5",
      "SEEDSTREAM_SIM_IMAGE_SCALE", "8",
      "SEEDSTREAM_ABANDON_MS", "20000",
      "SEEDSTREAM_DATA_DIR", dataDir.toString()));
    env.putAll(overrides);
    Gateway gateway = Await.result(Gateway.start(vertx, ConfigLoader.load(env)));
    gateways.add(gateway);
    return gateway;
  }

  CuttableProxy proxy(Gateway gateway) {
    CuttableProxy proxy = Await.result(CuttableProxy.start(vertx, gateway.port()));
    proxies.add(proxy);
    return proxy;
  }

  /**
   * What the suites may ask of the harness: {@code POST /release} lets the next held image of the open
   * gateway go (answering once it went), {@code POST /reset} waits until the open gateway's upstream is idle
   * and forgets held images, {@code POST /cut} drops every connection through the open gateway's proxy,
   * {@code GET /upstream?gateway=} counts upstream calls (once the upstream is idle when {@code idle=true}),
   * and {@code GET /sent?proxy=} returns what clients sent through a proxy.
   */
  Future<HttpServer> controlServer(Map<String, Gateway> byName, HeldImages held, Map<String, CuttableProxy> proxyByName) {
    Router router = Router.router(vertx);
    router.post("/release").handler(ctx -> held.release().onComplete(ar -> ctx.response().end()));
    router.post("/reset").handler(ctx -> held.reset().onComplete(ar -> ctx.response().end()));
    router.post("/cut").handler(ctx -> proxyByName.get("open").cutAll().onComplete(ar -> ctx.response().end()));
    router.get("/upstream").handler(ctx -> {
      Simulator simulator = byName.get(ctx.queryParams().get("gateway")).simulator();
      Future<Void> ready = "true".equals(ctx.queryParams().get("idle")) ? simulator.whenIdle() : Future.succeededFuture();
      ready.onComplete(ar -> ctx.json(new JsonObject().put("requests", simulator.requestCount())
        .put("cancelled", simulator.cancelledCount()).put("active", simulator.activeStreams())));
    });
    router.get("/sent").handler(ctx -> ctx.response().putHeader("Content-Type", "text/plain; charset=iso-8859-1")
      .end(proxyByName.get(ctx.queryParams().get("proxy")).sentByClients()));
    router.route().failureHandler(JavaScriptClientTest::failed);
    return vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1");
  }

  static void failed(RoutingContext ctx) {
    ctx.response().setStatusCode(500).end(String.valueOf(ctx.failure()));
  }

  /**
   * The simulator's brake, without blocking: a release asked for before an image waits is kept until one
   * does. A cancelled generation drops its waiting image, so suites reset between jobs.
   */
  static final class HeldImages {
    private final Simulator simulator;
    private int waiting;
    private final Deque<Promise<Void>> asked = new ArrayDeque<>();

    HeldImages(Simulator simulator) {
      this.simulator = simulator;
      simulator.imageWaitingListener(this::imageWaiting);
      simulator.holdImages(true);
    }

    synchronized Future<Void> release() {
      Promise<Void> promise = Promise.promise();
      asked.add(promise);
      drain();
      return promise.future();
    }

    Future<Void> reset() {
      return simulator.whenIdle().onComplete(ar -> {
        synchronized (this) {
          waiting = 0;
          asked.forEach(p -> p.tryFail("reset"));
          asked.clear();
        }
      });
    }

    private synchronized void imageWaiting() {
      waiting++;
      drain();
    }

    private void drain() {
      while (waiting > 0 && !asked.isEmpty()) {
        waiting--;
        simulator.releaseNext();
        asked.poll().complete();
      }
    }
  }
}
