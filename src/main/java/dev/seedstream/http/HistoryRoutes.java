package dev.seedstream.http;

import dev.seedstream.failure.ApiException;
import dev.seedstream.failure.ErrorCode;
import dev.seedstream.failure.Violation;
import dev.seedstream.job.Job;
import dev.seedstream.job.JobRegistry;
import dev.seedstream.job.JobStatus;
import dev.seedstream.store.ImageArchive;
import dev.seedstream.store.StorageStatus;
import dev.seedstream.store.StoredImage;
import dev.seedstream.store.UnknownCursorException;
import dev.seedstream.store.ZipStream;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/**
 * The history of generations kept by the {@link ImageArchive}: list past jobs, look one up after a restart,
 * download its images as a zip, delete it, and the durable image URLs. Mounted before the live job routes,
 * which it hands over to for running jobs.
 *
 * <p>With client tokens each token sees only the jobs it created, live or past (X10): another token's job
 * takes the same path as an unknown id, through the owner-filtered SQL, and answers the same 404. Without
 * tokens everything is open, as the live routes are.
 */
final class HistoryRoutes {

  private static final Logger LOG = Logger.getLogger(HistoryRoutes.class.getName());
  private static final int DEFAULT_PAGE = 20;
  private static final int MAX_PAGE = 100;

  private final Vertx vertx;
  private final JobRegistry jobs;
  private final ImageArchive archive;

  HistoryRoutes(Vertx vertx, JobRegistry jobs, ImageArchive archive) {
    this.vertx = vertx;
    this.jobs = jobs;
    this.archive = archive;
  }

  void mount(Router router) {
    router.get("/api/generations").handler(this::list);
    router.get("/api/generations/:id/images.zip").handler(this::zip);
    router.get("/api/generations/:id").handler(this::snapshot);
    router.delete("/api/generations/:id").handler(this::delete);
    router.route("/api/images/:job/:index").method(HttpMethod.GET).method(HttpMethod.HEAD)
      .handler(new StoredImageRoute(archive)::handle);
  }

  /**
   * GET /api/generations?limit=&before=: newest first, a page at a time; {@code next_before} continues.
   * Every row is bounded (see {@link ImageArchive#page}); the body is encoded inside the future, so a
   * failure there answers 500 like a database error rather than leaving the request hanging.
   */
  private void list(RoutingContext ctx) {
    int limit = limit(ctx.request().getParam("limit"));
    String before = ctx.request().getParam("before");
    archive.page(limit, before == null || before.isEmpty() ? null : before, owner(ctx))
      .map(page -> page.put("store", archive.counters()).toBuffer())
      .onSuccess(body -> ctx.response().putHeader("Content-Type", "application/json; charset=utf-8").end(body))
      .onFailure(e -> ctx.fail(e instanceof UnknownCursorException
        ? ApiException.invalid(List.of(new Violation("before", "names no job in the history"))) : e));
  }

  /** A job the registry still has is live: its snapshot, with each image's storage state added. */
  private void snapshot(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    String owner = owner(ctx);
    Optional<Job> live = live(ctx, id);
    if (live.isPresent()) {
      JsonObject snapshot = live.get().snapshot();
      archive.storage(id).onComplete(storage -> {
        if (storage.succeeded()) {
          snapshot.getJsonArray("images").forEach(image -> ((JsonObject) image)
            .put("storage", storage.result().get(((JsonObject) image).getInteger("index"))));
        } else {
          LOG.warning("history: no storage state for job " + id + ": " + storage.cause());
        }
        GenerationRoutes.sendJson(ctx, 200, snapshot);
      });
      return;
    }
    archive.job(id, owner).onSuccess(job -> {
      if (job.isPresent()) {
        GenerationRoutes.sendJson(ctx, 200, job.get());
      } else {
        ctx.fail(notFound());
      }
    }).onFailure(ctx::fail);
  }

  /** DELETE of a running job cancels it (the next route); of a finished one, deletes it and its images. */
  private void delete(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    String owner = owner(ctx);
    Optional<Job> live = live(ctx, id);
    if (live.isPresent() && live.get().status() == JobStatus.RUNNING) {
      ctx.next();
      return;
    }
    archive.delete(id, owner).onSuccess(found -> {
      if (found || live.isPresent()) {
        jobs.forget(id);
        LOG.info("job " + id + " deleted with its images");
        ctx.response().setStatusCode(204).end();
      } else {
        ctx.fail(notFound());
      }
    }).onFailure(ctx::fail);
  }

  /** GET …/{id}/images.zip: the stored images, streamed file by file, with an exact Content-Length. */
  private void zip(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    archive.job(id, owner(ctx)).compose(job -> {
      if (job.isEmpty()) {
        throw notFound();
      }
      return archive.images(id);
    }).onSuccess(images -> sendZip(ctx, id, images)).onFailure(ctx::fail);
  }

  private void sendZip(RoutingContext ctx, String id, List<StoredImage> images) {
    List<ZipStream.Entry> entries = images.stream().filter(image -> image.status() == StorageStatus.STORED)
      .map(image -> new ZipStream.Entry(String.format("seedstream-%02d.%s", image.index() + 1, image.format()),
        archive.file(image), image.bytes(), image.crc32(), image.storedAtMs()))
      .toList();
    HttpServerResponse response = ctx.response();
    response.putHeader("Content-Type", "application/zip")
      .putHeader("Content-Disposition", "attachment; filename=\"seedstream-" + id + ".zip\"")
      .putHeader("Content-Length", String.valueOf(ZipStream.length(entries)));
    ZipStream.write(vertx, entries, response).onSuccess(v -> response.end()).onFailure(e -> {
      LOG.warning("zip of job " + id + " cut short: " + e);
      response.reset();
    });
  }

  /**
   * Whose jobs the caller may see in the history: null without tokens (all; a job id is the capability),
   * else the token's name. A signed {@code access} parameter opens its job's event stream and nothing here;
   * {@link ClientAccess} already refuses it elsewhere, and this keeps it so should the routes ever change.
   */
  private static String owner(RoutingContext ctx) {
    Caller caller = ClientAccess.caller(ctx);
    if (!caller.restricted()) {
      return null;
    }
    if (caller.grantedJob() != null) {
      throw new ApiException(ErrorCode.UNAUTHORIZED, "send Authorization: Bearer <token> with a token this gateway knows");
    }
    return caller.key();
  }

  /** The registry's job if the caller may use it; another token's live job is left to the owner-filtered lookup. */
  private Optional<Job> live(RoutingContext ctx, String id) {
    return jobs.find(id).filter(ClientAccess.caller(ctx)::mayUse);
  }

  private static int limit(String text) {
    if (text == null || text.isEmpty()) {
      return DEFAULT_PAGE;
    }
    if (text.matches("[0-9]{1,3}")) {
      int limit = Integer.parseInt(text);
      if (limit >= 1 && limit <= MAX_PAGE) {
        return limit;
      }
    }
    throw ApiException.invalid(List.of(new Violation("limit", "must be a whole number from 1 to " + MAX_PAGE)));
  }

  private static ApiException notFound() {
    return new ApiException(ErrorCode.NOT_FOUND, "no such job; it may have been deleted");
  }
}
