package dev.seedstream.browser;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy on 127.0.0.1 in front of the gateway that a test can tell to drop every open connection,
 * the way a flaky network or a restarting load balancer does. It keeps what clients sent, so a test
 * can read the request heads (for example the Last-Event-ID of a reconnect).
 */
public final class CuttableProxy {

  private final NetServer server;
  private final NetClient client;
  private final int targetPort;
  private final Set<NetSocket> open = ConcurrentHashMap.newKeySet();
  private final StringBuffer sentByClients = new StringBuffer();

  private CuttableProxy(Vertx vertx, int targetPort) {
    this.server = vertx.createNetServer();
    this.client = vertx.createNetClient();
    this.targetPort = targetPort;
  }

  public static Future<CuttableProxy> start(Vertx vertx, int targetPort) {
    CuttableProxy proxy = new CuttableProxy(vertx, targetPort);
    return proxy.server.connectHandler(proxy::accept).listen(0, "127.0.0.1").map(s -> proxy);
  }

  public int port() {
    return server.actualPort();
  }

  /** Closes every connection open right now, both sides; new connections are accepted as before. */
  public Future<Void> cutAll() {
    List<Future<Void>> closing = List.copyOf(open).stream().map(NetSocket::close).toList();
    return Future.join(closing).mapEmpty();
  }

  /** Everything clients sent so far, as ISO-8859-1 text: request heads and bodies. */
  public String sentByClients() {
    return sentByClients.toString();
  }

  public Future<Void> close() {
    return cutAll().eventually(server::close).eventually(client::close);
  }

  private void accept(NetSocket downstream) {
    downstream.pause();
    client.connect(targetPort, "127.0.0.1").onSuccess(upstream -> {
      open.add(downstream);
      open.add(upstream);
      relay(downstream, upstream, true);
      relay(upstream, downstream, false);
      downstream.resume();
    }).onFailure(e -> downstream.close());
  }

  private void relay(NetSocket from, NetSocket to, boolean record) {
    from.handler(data -> {
      if (record) {
        sentByClients.append(data.toString(StandardCharsets.ISO_8859_1));
      }
      forward(from, to, data);
    });
    from.closeHandler(v -> {
      open.remove(from);
      to.close();
    });
  }

  private static void forward(NetSocket from, NetSocket to, Buffer data) {
    to.write(data);
    if (to.writeQueueFull()) {
      from.pause();
      to.drainHandler(v -> from.resume());
    }
  }
}
