package dev.seedstream.validation;

import dev.seedstream.http.ApiException;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

import java.util.List;
import java.util.Locale;

/**
 * {@code POST /api/uploads}: multipart/form-data with one or more image files. The body is read
 * as a stream (never with BodyHandler) and counted as it arrives, so an oversized upload is
 * refused with 413 the moment it crosses a limit, without reading or buffering the rest.
 */
public final class UploadHandler implements Handler<RoutingContext> {

  private final ReferenceImageSpec rules;
  private final UploadStore store;
  private final long maxRequestBytes;

  /**
   * @param maxRequestBytes limit for the whole request body; each file is also limited to the
   *                        catalogue's {@code reference_images.max_bytes}
   */
  public UploadHandler(ModelCatalog catalog, UploadStore store, long maxRequestBytes) {
    this.rules = catalog.uploadRules();
    this.store = store;
    this.maxRequestBytes = maxRequestBytes;
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    var receiver = new UploadReceiver(ctx.vertx(), request, rules, store, maxRequestBytes);
    if (declaredLength(request) > maxRequestBytes) {
      receiver.refuse(UploadReceiver.tooLarge("the request body is larger than " + maxRequestBytes + " bytes"));
    } else if (!isMultipart(request)) {
      receiver.refuse(ApiException.invalid(List.of(
        new Violation("body", "send multipart/form-data with one or more PNG or JPEG files"))));
    } else {
      receiver.start();
    }
  }

  private static long declaredLength(HttpServerRequest request) {
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    try {
      return length == null ? -1 : Long.parseLong(length.trim());
    } catch (NumberFormatException e) {
      return -1; // Vert.x itself rejects a malformed Content-Length before we see the request
    }
  }

  private static boolean isMultipart(HttpServerRequest request) {
    String type = request.getHeader(HttpHeaders.CONTENT_TYPE);
    return type != null && type.toLowerCase(Locale.ROOT).startsWith("multipart/form-data");
  }
}
