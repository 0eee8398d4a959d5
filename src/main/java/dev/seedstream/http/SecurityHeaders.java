package dev.seedstream.http;

import io.vertx.core.MultiMap;
import io.vertx.ext.web.RoutingContext;

import java.util.List;

/**
 * Headers every answer carries. The CSP lets the page load only its own code and talk only to the
 * gateway; images may come from the upstream's hosts, and only from those when they are configured
 * ({@code SEEDSTREAM_IMAGE_HOSTS}). {@code no-referrer} matters because image URLs are signed
 * capabilities that must not leak through a Referer header. Job and drop-in answers are never cached.
 */
final class SecurityHeaders {

  private final String csp;

  SecurityHeaders(List<String> imageHosts) {
    this.csp = csp(imageHosts);
  }

  static String csp(List<String> imageHosts) {
    String images = imageHosts.isEmpty() ? "https: http:" : String.join(" ", imageHosts);
    return "default-src 'self'; img-src 'self' data: " + images + "; connect-src 'self'; "
      + "object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
  }

  void apply(RoutingContext ctx) {
    MultiMap headers = ctx.response().headers();
    headers.set("Content-Security-Policy", csp);
    headers.set("X-Content-Type-Options", "nosniff");
    headers.set("Referrer-Policy", "no-referrer");
    headers.set("X-Frame-Options", "DENY");
    String path = ctx.request().path();
    if (path.startsWith("/api/") || path.startsWith("/v1/")) {
      headers.set("Cache-Control", "no-store");
    }
    ctx.next();
  }
}
