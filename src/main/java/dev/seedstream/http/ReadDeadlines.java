package dev.seedstream.http;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

import java.util.HashMap;
import java.util.Map;

/**
 * Deadlines for reading requests, against slowloris and slow POSTs. A connection that has no request in
 * progress must deliver complete request headers within the header timeout (a fresh connection, or a
 * kept-alive one after its last answer), else it is closed; a request body must have arrived within the
 * body timeout of its headers. Nothing here limits a response: a long event stream, whether quiet or
 * not, is never cut by these timers. (A plain idle timeout would be: an SSE client sends nothing.)
 * Everything runs on the gateway's one event loop, so the map needs no lock.
 */
final class ReadDeadlines {

  /** The routing context's key for a request's body timer, until the body has been read. */
  private static final String BODY_TIMER = "seedstream.body-timer";

  private final Vertx vertx;
  private final long headerTimeoutMs;
  private final long bodyTimeoutMs;
  private final Map<HttpConnection, Connection> connections = new HashMap<>();

  private final class Connection {
    final HttpConnection connection;
    int inFlight;
    long headerTimer = -1;

    Connection(HttpConnection connection) {
      this.connection = connection;
    }

    void awaitHeaders() {
      headerTimer = vertx.setTimer(headerTimeoutMs, t -> {
        if (inFlight == 0) {
          connection.close();
        }
      });
    }

    void requestStarted() {
      inFlight++;
      vertx.cancelTimer(headerTimer);
    }

    void requestEnded() {
      if (--inFlight == 0) {
        awaitHeaders();
      }
    }
  }

  ReadDeadlines(Vertx vertx, long headerTimeoutMs, long bodyTimeoutMs) {
    this.vertx = vertx;
    this.headerTimeoutMs = headerTimeoutMs;
    this.bodyTimeoutMs = bodyTimeoutMs;
  }

  /** For {@code HttpServer.connectionHandler}: the header clock starts when the connection opens. */
  void onConnection(HttpConnection connection) {
    Connection tracked = new Connection(connection);
    connections.put(connection, tracked);
    tracked.awaitHeaders();
    connection.closeHandler(v -> vertx.cancelTimer(connections.remove(connection).headerTimer));
  }

  /** The first route: headers are complete; the body, if any, now has its own deadline. */
  void onRequest(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    Connection tracked = connections.get(request.connection());
    if (tracked != null) {
      tracked.requestStarted();
      long bodyTimer = hasBody(request) ? vertx.setTimer(bodyTimeoutMs, t -> {
        if (!request.isEnded()) {
          // A reset, not a close: an HTTP/1 close would wait for the request it is meant to end.
          request.response().reset();
        }
      }) : -1;
      if (bodyTimer != -1) {
        ctx.put(BODY_TIMER, bodyTimer);
      }
      ctx.addEndHandler(ar -> {
        vertx.cancelTimer(bodyTimer);
        tracked.requestEnded();
      });
    }
    ctx.next();
  }

  /**
   * The body has been read to its end: its deadline is met. Cancelled now rather than left to fire harmlessly
   * after the body timeout, as an event stream answering the request would otherwise keep the timer that long.
   */
  static void bodyRead(RoutingContext ctx) {
    Long bodyTimer = ctx.remove(BODY_TIMER);
    if (bodyTimer != null) {
      ctx.vertx().cancelTimer(bodyTimer);
    }
  }

  private static boolean hasBody(HttpServerRequest request) {
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    return request.getHeader(HttpHeaders.TRANSFER_ENCODING) != null || (length != null && !length.equals("0"));
  }
}
