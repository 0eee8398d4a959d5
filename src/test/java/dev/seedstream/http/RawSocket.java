package dev.seedstream.http;

import dev.seedstream.support.TestHttp;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;

import java.nio.charset.StandardCharsets;

/** A plain TCP connection to the gateway, for requests no well-behaved HTTP client would send. */
final class RawSocket {

  private final Buffer received = Buffer.buffer();
  private final Promise<Void> closed = Promise.promise();
  private NetSocket socket;

  static Future<RawSocket> connect(Vertx vertx, NetClient client, int port) {
    RawSocket raw = new RawSocket();
    return TestHttp.onContext(vertx, () -> client.connect(port, "127.0.0.1").map(socket -> {
      raw.socket = socket;
      socket.handler(bytes -> {
        synchronized (raw) {
          raw.received.appendBuffer(bytes);
        }
      });
      socket.closeHandler(v -> raw.closed.tryComplete());
      return raw;
    }));
  }

  Future<Void> write(String text) {
    return socket.write(Buffer.buffer(text.getBytes(StandardCharsets.ISO_8859_1)));
  }

  synchronized String received() {
    return received.toString(StandardCharsets.ISO_8859_1);
  }

  /** Completes when the gateway closes the connection. */
  Future<Void> closed() {
    return closed.future();
  }

  void close() {
    socket.close();
  }
}
