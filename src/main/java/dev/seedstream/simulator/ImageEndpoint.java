package dev.seedstream.simulator;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /images/<token>.jpeg?…&expires=…&sig=…}: the simulator's stand-in for TOS. Refusals
 * carry a TOS-style XML body, since that is what a client following a dead image link would get.
 */
final class ImageEndpoint implements Handler<RoutingContext> {

  private static final String SUFFIX = ".jpeg";

  private final ImageGallery gallery;

  ImageEndpoint(ImageGallery gallery) {
    this.gallery = gallery;
  }

  @Override
  public void handle(RoutingContext ctx) {
    String file = ctx.pathParam("file");
    String token = file.endsWith(SUFFIX) ? file.substring(0, file.length() - SUFFIX.length()) : "";
    if (!gallery.knows(token)) {
      refuse(ctx.response(), 404, "NoSuchKey", "The specified key does not exist.");
    } else if (!gallery.grants(token, expiresAt(ctx.queryParams().get("expires")), ctx.queryParams().get("sig"))) {
      refuse(ctx.response(), 403, "AccessDenied", "Request has expired or the signature does not match.");
    } else {
      gallery.jpeg(token).onComplete(jpeg -> {
        if (jpeg.succeeded()) {
          send(ctx.response(), jpeg.result());
        } else {
          ctx.fail(jpeg.cause());
        }
      });
    }
  }

  private static long expiresAt(String expires) {
    try {
      return expires == null ? -1 : Long.parseLong(expires);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static void send(HttpServerResponse response, byte[] jpeg) {
    response.putHeader(HttpHeaders.CONTENT_TYPE, "image/jpeg").end(Buffer.buffer(jpeg));
  }

  private static void refuse(HttpServerResponse response, int status, String code, String message) {
    response.setStatusCode(status)
      .putHeader(HttpHeaders.CONTENT_TYPE, "application/xml")
      .end("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" + message
        + "</Message></Error>");
  }
}
