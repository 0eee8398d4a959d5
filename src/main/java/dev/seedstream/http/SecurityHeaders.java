package dev.seedstream.http;

import io.vertx.core.MultiMap;
import io.vertx.ext.web.RoutingContext;

/**
 * Headers every answer carries. The CSP lets the page load only its own code and talk only to the
 * gateway; images may come from the upstream's hosts. {@code no-referrer} matters because image URLs are
 * signed capabilities that must not leak through a Referer header.
 */
final class SecurityHeaders {

  static final String CSP = "default-src 'self'; img-src 'self' data: https: http:; connect-src 'self'; "
    + "object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

  private SecurityHeaders() {
  }

  static void apply(RoutingContext ctx) {
    MultiMap headers = ctx.response().headers();
    headers.set("Content-Security-Policy", CSP);
    headers.set("X-Content-Type-Options", "nosniff");
    headers.set("Referrer-Policy", "no-referrer");
    headers.set("X-Frame-Options", "DENY");
    if (ctx.request().path().startsWith("/api/")) {
      headers.set("Cache-Control", "no-store");
    }
    ctx.next();
  }
}
