package dev.seedstream.http;

import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;

import java.util.List;
import java.util.Set;

/**
 * CORS for the origins of {@code SEEDSTREAM_CORS_ORIGINS}: an allowed origin is echoed exactly (never
 * {@code *}, since credentials are allowed), every answer varies on Origin so no cache serves one
 * origin's answer to another, and preflights are answered here, before access control, because a
 * browser never sends the Authorization header with them. A foreign origin gets no CORS header at all.
 */
final class Cors {

  static final String METHODS = "GET, POST, DELETE, OPTIONS";
  static final String HEADERS = "Authorization, Content-Type, Last-Event-ID, Idempotency-Key";

  private final Set<String> origins;

  Cors(List<String> origins) {
    this.origins = Set.copyOf(origins);
  }

  void handle(RoutingContext ctx) {
    if (origins.isEmpty()) {
      if (isPreflight(ctx)) {
        // Answered as CORS intends, with no allow headers: the browser then reports a CORS refusal, not a 404.
        ctx.response().setStatusCode(204).end();
        return;
      }
      ctx.next();
      return;
    }
    MultiMap headers = ctx.response().headers();
    headers.add("Vary", "Origin");
    String origin = ctx.request().getHeader("Origin");
    boolean allowed = origin != null && origins.contains(origin);
    if (allowed) {
      headers.set("Access-Control-Allow-Origin", origin);
      headers.set("Access-Control-Allow-Credentials", "true");
      headers.set("Access-Control-Expose-Headers", "Location, Retry-After");
    }
    if (isPreflight(ctx)) {
      if (allowed) {
        headers.set("Access-Control-Allow-Methods", METHODS);
        headers.set("Access-Control-Allow-Headers", HEADERS);
        headers.set("Access-Control-Max-Age", "600");
      }
      ctx.response().setStatusCode(204).end();
      return;
    }
    ctx.next();
  }

  private static boolean isPreflight(RoutingContext ctx) {
    return ctx.request().method() == HttpMethod.OPTIONS && ctx.request().getHeader("Origin") != null
      && ctx.request().getHeader("Access-Control-Request-Method") != null;
  }
}
