package dev.seedstream.support;

import dev.seedstream.config.ConfigLoader;
import dev.seedstream.config.GatewayConfig;
import dev.seedstream.http.GatewayVerticle;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.HashMap;
import java.util.Map;

/** Starts the real gateway verticle on a free port with test-sized settings and any overrides. */
public final class TestGateway {

  public static final String CANARY_KEY = "sk-CANARY-test-key-0123456789abcdef";

  private TestGateway() {
  }

  /** Configuration as the loader builds it from the environment, so tests exercise the real path. */
  public static GatewayConfig config(String upstreamUrl, Map<String, String> overrides) {
    Map<String, String> env = new HashMap<>();
    env.put("SEEDSTREAM_PORT", "0");
    env.put("SEEDSTREAM_API_KEY", CANARY_KEY);
    env.put("SEEDSTREAM_UPSTREAM_URL", upstreamUrl);
    env.put("SEEDSTREAM_SIMULATE", "false");
    env.put("SEEDSTREAM_CONNECT_TIMEOUT_MS", "2000");
    env.put("SEEDSTREAM_FIRST_EVENT_TIMEOUT_MS", "10000");
    env.put("SEEDSTREAM_IDLE_TIMEOUT_MS", "10000");
    env.put("SEEDSTREAM_TOTAL_TIMEOUT_MS", "30000");
    env.put("SEEDSTREAM_ABANDON_MS", "10000");
    env.put("SEEDSTREAM_HEARTBEAT_MS", "10000");
    // Keeping images writes to disk and downloads the fake's made-up URLs: only the history tests turn it on.
    env.put("SEEDSTREAM_STORE_IMAGES", "false");
    env.putAll(overrides);
    return ConfigLoader.load(env);
  }

  public static Future<GatewayVerticle> start(Vertx vertx, GatewayConfig config) {
    GatewayVerticle verticle = new GatewayVerticle(config, false);
    return vertx.deployVerticle(verticle).map(id -> verticle);
  }
}
