package dev.seedstream;

import dev.seedstream.cluster.ClusterNode;
import dev.seedstream.config.GatewayConfig;
import dev.seedstream.config.ImageOrigin;
import dev.seedstream.http.GatewayVerticle;
import dev.seedstream.simulator.Simulator;
import dev.seedstream.simulator.SimulatorOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.function.UnaryOperator;
import java.util.logging.Logger;

/**
 * A running Seedstream: the gateway verticle and, when no API key is configured, the embedded simulator
 * it talks to over real HTTP. Main and the end-to-end tests start it the same way.
 */
public final class Gateway {

  private static final Logger LOG = Logger.getLogger(Gateway.class.getName());

  private final Vertx vertx;
  private final GatewayVerticle verticle;
  private final Simulator simulator;
  private final String deploymentId;

  private Gateway(Vertx vertx, GatewayVerticle verticle, Simulator simulator, String deploymentId) {
    this.vertx = vertx;
    this.verticle = verticle;
    this.simulator = simulator;
    this.deploymentId = deploymentId;
  }

  /**
   * The Vert.x the gateway runs on; the tests make theirs here too, so they exercise the same transport.
   * Netty's epoll where it loads (the Linux x86-64 library is bundled), NIO elsewhere: relaying small events,
   * epoll took about a tenth less of the relay's CPU (bench/results/2026-11-26-epoll/).
   */
  public static Vertx newVertx() {
    Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
    if (!vertx.isNativeTransportEnabled()) {
      LOG.info("Native transport unavailable, using NIO: " + vertx.unavailableNativeTransportCause());
    }
    return vertx;
  }

  public static Future<Gateway> start(Vertx vertx, GatewayConfig config) {
    return start(vertx, config, UnaryOperator.identity());
  }

  /**
   * Clustered mode: Vert.x is started clustered on Hazelcast (joining the configured members) and the gateway
   * runs on it as one node of the cluster.
   */
  public static Future<Gateway> startClustered(GatewayConfig config) {
    long keepSeconds = config.timeouts().longestJobLifeMs() / 1000 + 60;
    return ClusterNode.start(config.cluster(), new VertxOptions().setPreferNativeTransport(true), keepSeconds)
      .compose(node -> start(node.vertx(), config, UnaryOperator.identity(), node)
        .onFailure(e -> node.vertx().close()));
  }

  /** As {@link #start(Vertx, GatewayConfig)}; tests adjust the simulator's options (failures, URL lifetimes). */
  public static Future<Gateway> start(Vertx vertx, GatewayConfig config, UnaryOperator<SimulatorOptions> simulatorTuning) {
    return start(vertx, config, simulatorTuning, null);
  }

  private static Future<Gateway> start(Vertx vertx, GatewayConfig config, UnaryOperator<SimulatorOptions> simulatorTuning,
                                       ClusterNode cluster) {
    if (!config.useSimulator()) {
      return deploy(vertx, config, null, cluster);
    }
    // The simulator gets a key of its own, made up per process, so the gateway's request path is the real one.
    String simulatorKey = "sim-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(16));
    SimulatorOptions options = simulatorTuning.apply(SimulatorOptions.defaults(simulatorKey)
      .withDelays(config.simulator().firstImageDelayMs(), config.simulator().betweenImagesDelayMs())
      .withImageScale(config.simulator().imageScale()));
    return Simulator.start(vertx, options).compose(simulator -> {
      LOG.info("No API key configured: images are SIMULATED by the embedded simulator at " + simulator.baseUrl());
      // The simulator's image URLs are plain http on loopback: its origin, and only it, is exempt from the
      // store's https-only and public-address rules.
      GatewayConfig simulated = config.withUpstream(simulator.baseUrl() + "/api/v3/images/generations", simulatorKey)
        .withStore(config.store().withTrustedOrigin(simulator.baseUrl()))
        .withImageHost(ImageOrigin.normalise(simulator.baseUrl()));
      return deploy(vertx, simulated, simulator, cluster);
    });
  }

  private static Future<Gateway> deploy(Vertx vertx, GatewayConfig config, Simulator simulator, ClusterNode cluster) {
    GatewayVerticle verticle = new GatewayVerticle(config, simulator != null, cluster);
    return vertx.deployVerticle(verticle).map(id -> new Gateway(vertx, verticle, simulator, id));
  }

  public Vertx vertx() {
    return vertx;
  }

  public int port() {
    return verticle.actualPort();
  }

  /** The embedded simulator, or null when the gateway calls a real upstream. */
  public Simulator simulator() {
    return simulator;
  }

  public GatewayVerticle verticle() {
    return verticle;
  }

  public Future<Void> close() {
    Future<Void> gateway = vertx.undeploy(deploymentId);
    return simulator == null ? gateway : gateway.compose(v -> simulator.close());
  }
}
