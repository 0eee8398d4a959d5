package dev.seedstream.http;

import io.vertx.ext.web.RoutingContext;

import java.util.logging.Logger;

/**
 * One line per request on the logger {@code dev.seedstream.access}: method, path, status, duration.
 * The path is logged without its query string, because the query may carry a signed {@code access}
 * parameter, and no header is logged at all (Authorization, Cookie).
 */
final class AccessLog {

  static final Logger LOG = Logger.getLogger("dev.seedstream.access");

  private AccessLog() {
  }

  static void handle(RoutingContext ctx) {
    long started = System.nanoTime();
    String method = ctx.request().method().name();
    String path = ctx.request().path();
    ctx.addEndHandler(ar -> LOG.info(method + " " + path + " " + ctx.response().getStatusCode()
      + (ar.succeeded() ? "" : " (connection closed)") + " " + (System.nanoTime() - started) / 1_000_000 + " ms"));
    ctx.next();
  }
}
