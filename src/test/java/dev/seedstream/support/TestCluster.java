package dev.seedstream.support;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Gateways clustered over loopback, each a child process ({@link GatewayProcess}), all calling one fake upstream
 * in the test's JVM. The member ports are chosen up front so every node can be told the others.
 */
public final class TestCluster implements AutoCloseable {

  public static final String SECRET = "test-cluster-secret-0123456789abcdef";

  private final Vertx vertx;
  private final HttpClient http;
  private final Map<String, String> env;
  private final List<Integer> memberPorts = new ArrayList<>();
  private final List<GatewayProcess> nodes = new ArrayList<>();

  /** {@code size} members known to each other; started one by one with {@link #startNode}. */
  public TestCluster(Vertx vertx, HttpClient http, FakeUpstream upstream, int size, Map<String, String> extraEnv) {
    this.vertx = vertx;
    this.http = http;
    for (int i = 0; i < size; i++) {
      memberPorts.add(GatewayProcess.freePort());
    }
    env = new HashMap<>();
    env.put("SEEDSTREAM_CLUSTER", "true");
    env.put("SEEDSTREAM_CLUSTER_SECRET", SECRET);
    env.put("SEEDSTREAM_CLUSTER_MEMBERS", memberPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(",")));
    env.put("SEEDSTREAM_API_KEY", "test-upstream-key-cluster-0123456789");
    env.put("SEEDSTREAM_UPSTREAM_URL", upstream.url());
    env.put("SEEDSTREAM_SIMULATE", "false");
    env.put("SEEDSTREAM_STORE_IMAGES", "false");
    env.put("SEEDSTREAM_UPSTREAM_RETRIES", "0");
    env.putAll(extraEnv);
  }

  /** Starts member {@code index} and waits until it listens. */
  public GatewayProcess startNode(int index) throws Exception {
    Map<String, String> nodeEnv = new HashMap<>(env);
    nodeEnv.put("SEEDSTREAM_CLUSTER_PORT", Integer.toString(memberPorts.get(index)));
    GatewayProcess node = GatewayProcess.start("node" + index, nodeEnv);
    while (nodes.size() <= index) {
      nodes.add(null);
    }
    nodes.set(index, node);
    return node;
  }

  /** {@code 127.0.0.1:<member port>} of member {@code index}. */
  public String memberAddress(int index) {
    return "127.0.0.1:" + memberPorts.get(index);
  }

  public GatewayProcess node(int index) {
    return nodes.get(index);
  }

  public TestHttp api(int index) {
    return new TestHttp(vertx, http, nodes.get(index).port());
  }

  /** Waits until node {@code index} answers {@code /readyz} with {@code members} members. */
  public void awaitMembers(int index, int members, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      TestHttp.Response ready = Await.result(api(index).call(HttpMethod.GET, "/readyz", null, null));
      if (ready.json().getJsonObject("cluster").getInteger("members") == members) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("node " + index + " sees " + ready.json() + ", not " + members + " members\n"
          + nodes.get(index).log());
      }
      Thread.sleep(50);
    }
  }

  /** Every node's output, for a failing test's message. */
  public String logs() {
    StringBuilder all = new StringBuilder();
    for (int i = 0; i < nodes.size(); i++) {
      if (nodes.get(i) != null) {
        all.append("----- node").append(i).append('\n').append(nodes.get(i).log());
      }
    }
    return all.toString();
  }

  @Override
  public void close() throws Exception {
    for (GatewayProcess node : nodes) {
      if (node != null) {
        node.close();
      }
    }
  }
}
