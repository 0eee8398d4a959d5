package dev.seedstream.http;

import dev.seedstream.failure.ApiException;
import dev.seedstream.failure.ErrorCode;
import dev.seedstream.store.ImageArchive;
import dev.seedstream.store.StoredImage;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

import java.util.Optional;

/**
 * {@code GET /api/images/{jobId}/{index}}, the durable URL of a generated image. It is handed out with the
 * image event, before the copy is written, so it only ever answers with what has been written. Once the
 * gateway has its copy: the file, immutable, with ETag (its sha256) and byte ranges. Before that: a 307 to
 * the upstream's URL while it is valid and allowed (see {@link ImageArchive#redirectProblem}), else the
 * file once written, or 503 with Retry-After while it is still being written. Not kept: the same 307, or
 * 404 saying why the gateway has no copy. When images live in a bucket, the bytes come from it (a range as a
 * ranged GET, never the whole object), or, with {@code SEEDSTREAM_BLOB_REDIRECT}, a 307 to a presigned URL.
 */
final class StoredImageRoute {

  private static final String IMMUTABLE = "public, max-age=31536000, immutable";

  private final ImageArchive archive;

  StoredImageRoute(ImageArchive archive) {
    this.archive = archive;
  }

  void handle(RoutingContext ctx) {
    String jobId = ctx.pathParam("job");
    int index = index(ctx.pathParam("index"));
    archive.image(jobId, index).onSuccess(found -> answer(ctx, found, true)).onFailure(ctx::fail);
  }

  private void answer(RoutingContext ctx, Optional<StoredImage> found, boolean mayWait) {
    if (found.isEmpty()) {
      ctx.fail(new ApiException(ErrorCode.NOT_FOUND, "no such image"));
      return;
    }
    StoredImage image = found.get();
    long now = System.currentTimeMillis();
    switch (image.status()) {
      case STORED -> send(ctx, image);
      case PENDING -> {
        if (mayRedirect(image, now)) {
          redirect(ctx, image.upstreamUrl());
        } else if (mayWait) {
          archive.outcome(image.jobId(), image.index()).compose(v -> archive.image(image.jobId(), image.index()))
            .onSuccess(settled -> answer(ctx, settled, false)).onFailure(ctx::fail);
        } else {
          ctx.fail(new ApiException(ErrorCode.NOT_READY, "the image is still being stored; retry shortly", 1L));
        }
      }
      case NOT_PERSISTED -> {
        if (mayRedirect(image, now)) {
          redirect(ctx, image.upstreamUrl());
        } else {
          ctx.fail(new ApiException(ErrorCode.NOT_FOUND, "the gateway could not keep this image (" + image.reason()
            + ") and " + withoutRedirect(image, now)));
        }
      }
    }
  }

  private boolean mayRedirect(StoredImage image, long now) {
    return image.upstreamUrlValid(now) && archive.redirectProblem(image.upstreamUrl()).isEmpty();
  }

  /** Why there is no redirect either, worded to follow "the gateway could not keep this image (…) and". */
  private String withoutRedirect(StoredImage image, long now) {
    if (image.upstreamUrl() == null) {
      return "the upstream sent it inline";
    }
    if (!image.upstreamUrlValid(now)) {
      return "its upstream URL has expired";
    }
    return "its upstream URL is not one the gateway redirects to: " + archive.redirectProblem(image.upstreamUrl())
      .orElse("");
  }

  private static void redirect(RoutingContext ctx, String url) {
    // 307, and no-store (set for all of /api): the redirect is only right until the copy is stored.
    ctx.response().setStatusCode(307).putHeader("Location", url).end();
  }

  private void send(RoutingContext ctx, StoredImage image) {
    HttpServerResponse response = ctx.response();
    String etag = "\"" + image.sha256() + "\"";
    String disposition = "inline; filename=\"seedstream-" + image.jobId() + "-" + (image.index() + 1) + "."
      + image.format() + "\"";
    Optional<String> presigned = archive.presignedUrl(image, disposition);
    if (presigned.isPresent()) {
      // no-store (set for all of /api): the presigned URL expires, the image does not.
      redirect(ctx, presigned.get());
      return;
    }
    response.putHeader("ETag", etag).putHeader("Cache-Control", IMMUTABLE).putHeader("Accept-Ranges", "bytes")
      .putHeader("Content-Type", image.mediaType()).putHeader("Content-Disposition", disposition);
    if (etagMatches(ctx.request().getHeader("If-None-Match"), etag)) {
      response.setStatusCode(304).end();
      return;
    }
    String ifRange = ctx.request().getHeader("If-Range");
    ByteRange range = ifRange == null || ifRange.equals(etag)
      ? ByteRange.parse(ctx.request().getHeader("Range"), image.bytes()) : null;
    Optional<String> path = archive.file(image).map(Object::toString);
    if (range == null) {
      if (path.isPresent()) {
        response.sendFile(path.get()).onFailure(e -> lost(ctx));
      } else {
        copy(ctx, image, 0, image.bytes());
      }
    } else if (!range.satisfiable()) {
      response.setStatusCode(416).putHeader("Content-Range", "bytes */" + image.bytes()).end();
    } else {
      response.setStatusCode(206)
        .putHeader("Content-Range", "bytes " + range.start() + "-" + range.end() + "/" + image.bytes());
      if (path.isPresent()) {
        response.sendFile(path.get(), range.start(), range.length()).onFailure(e -> lost(ctx));
      } else {
        copy(ctx, image, range.start(), range.length());
      }
    }
  }

  /**
   * Streams bytes from the bucket. The head is sent with the first bytes, so a bucket that fails at once (the
   * object gone, the bucket down) still gets an error answer rather than a cut-off body.
   */
  private void copy(RoutingContext ctx, StoredImage image, long start, long length) {
    HttpServerResponse response = ctx.response();
    response.putHeader("Content-Length", String.valueOf(length));
    archive.copy(image, start, length, response).onSuccess(v -> response.end()).onFailure(e -> lost(ctx));
  }

  /** The file vanished between lookup and send: deleted by retention or by hand. */
  private static void lost(RoutingContext ctx) {
    if (ctx.response().headWritten()) {
      ctx.response().reset();
    } else {
      ctx.response().headers().remove("ETag").remove("Cache-Control").set("Cache-Control", "no-store");
      ctx.fail(new ApiException(ErrorCode.NOT_FOUND, "the image file is gone"));
    }
  }

  private static boolean etagMatches(String header, String etag) {
    if (header == null) {
      return false;
    }
    for (String candidate : header.split(",")) {
      String tag = candidate.trim();
      if (tag.equals("*") || tag.equals(etag) || tag.equals("W/" + etag)) {
        return true;
      }
    }
    return false;
  }

  private static int index(String text) {
    if (text == null || !text.matches("[0-9]{1,4}")) {
      throw new ApiException(ErrorCode.NOT_FOUND, "no such image");
    }
    return Integer.parseInt(text);
  }
}
