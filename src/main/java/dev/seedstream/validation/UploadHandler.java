package dev.seedstream.validation;

import dev.seedstream.failure.ApiException;
import dev.seedstream.failure.ErrorCode;
import dev.seedstream.failure.Violation;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;

/**
 * {@code POST /api/uploads}: multipart/form-data with one or more image files. The body is read
 * as a stream (never with BodyHandler) and counted as it arrives, so an oversized upload is
 * refused with 413 the moment it crosses a limit, without reading or buffering the rest.
 */
public final class UploadHandler {

  private final ReferenceImageSpec rules;
  private final UploadStore store;
  private final long maxRequestBytes;
  private final int maxPerClient;
  // Uploads being received, per client: each holds up to maxRequestBytes until it is checked and stored.
  // Touched only on the gateway's one event loop.
  private final Map<String, Integer> inFlight = new HashMap<>();

  /**
   * @param maxRequestBytes limit for the whole request body; each file is also limited to the
   *                        catalogue's {@code reference_images.max_bytes}
   */
  public UploadHandler(ModelCatalog catalog, UploadStore store, long maxRequestBytes, int maxPerClient) {
    this.rules = catalog.uploadRules();
    this.store = store;
    this.maxRequestBytes = maxRequestBytes;
    this.maxPerClient = maxPerClient;
  }

  /** Receives one upload request from {@code client} (the key per-client limits count on). */
  public void handle(RoutingContext ctx, String client) {
    HttpServerRequest request = ctx.request();
    var receiver = new UploadReceiver(ctx.vertx(), request, rules, store, maxRequestBytes, client);
    if (inFlight.getOrDefault(client, 0) >= maxPerClient) {
      receiver.refuse(new ApiException(ErrorCode.RATE_LIMITED, "this client already has " + maxPerClient
        + " uploads in progress (SEEDSTREAM_MAX_UPLOADS_PER_CLIENT); wait for one to finish", 1L));
      return;
    }
    inFlight.merge(client, 1, Integer::sum);
    // Once, at the end, the close or the failure of the answer: one more of the routing context's end handlers. Set
    // as the response's own end and close handlers it replaced the routing context's, and so dropped its end
    // handlers: an upload then had no access-log line, and its connection lost its header deadline for good.
    ctx.addEndHandler(ended -> release(client));
    if (declaredLength(request) > maxRequestBytes) {
      receiver.refuse(UploadReceiver.requestTooLarge(maxRequestBytes));
    } else if (!isMultipart(request)) {
      receiver.refuse(ApiException.invalid(List.of(
        new Violation("body", "send multipart/form-data with one or more PNG or JPEG files"))));
    } else {
      receiver.start();
    }
  }

  private void release(String client) {
    inFlight.computeIfPresent(client, (key, count) -> count <= 1 ? null : count - 1);
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
