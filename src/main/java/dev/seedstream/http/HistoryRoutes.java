package dev.seedstream.http;

import dev.seedstream.failure.ApiException;
import dev.seedstream.failure.ErrorCode;
import dev.seedstream.failure.Violation;
import dev.seedstream.job.Job;
import dev.seedstream.job.JobRegistry;
import dev.seedstream.store.ImageArchive;
import dev.seedstream.store.StorageStatus;
import dev.seedstream.store.StoredImage;
import dev.seedstream.store.UnknownCursorException;
import dev.seedstream.store.ZipStream;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.List;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * The history of generations kept by the {@link ImageArchive}: list past jobs and download a job's images as
 * a zip; and, for {@link GenerationRoutes}, which owns {@code /api/generations/{id}}, a past job's snapshot
 * after a restart, the storage state of a live job's images, and the deletion of a finished job.
 *
 * <p>With client tokens each token sees only the jobs it created, live or past (case X10 of
 * docs/reliability-catalogue.md): another token's job takes the same path as an unknown id, through the
 * owner-filtered SQL, and answers the same 404. Without tokens everything is open, as the live routes are.
 */
final class HistoryRoutes {

  private static final Logger LOG = Logger.getLogger(HistoryRoutes.class.getName());
  private static final int DEFAULT_PAGE = 20;
  private static final int MAX_PAGE = 100;

  private final Vertx vertx;
  private final JobRegistry jobs;
  /** The archive, or null while a shared store (PostgreSQL, a bucket) has not opened yet: then 503 not_ready. */
  private final Supplier<ImageArchive> store;

  HistoryRoutes(Vertx vertx, JobRegistry jobs, Supplier<ImageArchive> store) {
    this.vertx = vertx;
    this.jobs = jobs;
    this.store = store;
  }

  /** The archive, or null after failing the request with 503 not_ready while the store is not open. */
  private ImageArchive opened(RoutingContext ctx) {
    ImageArchive archive = store.get();
    if (archive == null) {
      ctx.fail(notReady());
    }
    return archive;
  }

  static ApiException notReady() {
    return new ApiException(ErrorCode.NOT_READY, "the history is not available yet: the store could not be opened "
      + "and is tried again in the background (see /readyz)", 5L);
  }

  /**
   * GET /api/generations?limit=&before=: newest first, a page at a time; {@code next_before} continues.
   * Every row is bounded (see {@link ImageArchive#page}); the body is encoded inside the future, so a
   * failure there answers 500 like a database error rather than leaving the request hanging.
   */
  void list(RoutingContext ctx) {
    int limit = limit(ctx.request().getParam("limit"));
    String before = ctx.request().getParam("before");
    ImageArchive archive = opened(ctx);
    if (archive == null) {
      return;
    }
    archive.page(limit, before == null || before.isEmpty() ? null : before, owner(ctx))
      .map(page -> page.put("store", archive.counters()).toBuffer())
      .onSuccess(body -> ctx.response().putHeader("Content-Type", "application/json; charset=utf-8").end(body))
      .onFailure(e -> ctx.fail(e instanceof UnknownCursorException
        ? ApiException.invalid(List.of(new Violation("before", "names no job in the history"))) : e));
  }

  /**
   * Adds each image's storage state to a live job's snapshot; without it when the history cannot say, for the
   * job or for one image (one the store refused while the history was too far behind to record it).
   */
  Future<Void> addStorage(String id, JsonObject snapshot) {
    ImageArchive archive = store.get();
    if (archive == null) {
      return Future.succeededFuture();
    }
    return archive.storage(id).map(storage -> {
      snapshot.getJsonArray("images").forEach(image -> {
        JsonObject state = storage.get(((JsonObject) image).getInteger("index"));
        if (state != null) {
          ((JsonObject) image).put("storage", state);
        }
      });
      return (Void) null;
    }).recover(failure -> {
      LOG.warning("history: no storage state for job " + id + ": " + failure);
      return Future.succeededFuture();
    });
  }

  /** GET …/{id} of a job the registry no longer has: from the history, after a restart too. */
  void pastSnapshot(RoutingContext ctx, String id) {
    ImageArchive archive = opened(ctx);
    if (archive == null) {
      return;
    }
    archive.job(id, owner(ctx)).onSuccess(job -> {
      if (job.isPresent()) {
        GenerationRoutes.sendJson(ctx, 200, job.get());
      } else {
        ctx.fail(GenerationRoutes.notFound());
      }
    }).onFailure(ctx::fail);
  }

  /** DELETE …/{id} of a finished job ({@code live}: the registry still has it): it and its images go. */
  void deletePast(RoutingContext ctx, String id, boolean live) {
    ImageArchive archive = opened(ctx);
    if (archive == null) {
      return;
    }
    archive.delete(id, owner(ctx)).onSuccess(found -> {
      if (found || live) {
        jobs.forget(id);
        LOG.info("job " + id + " deleted with its images");
        ctx.response().setStatusCode(204).end();
      } else {
        ctx.fail(GenerationRoutes.notFound());
      }
    }).onFailure(ctx::fail);
  }

  /** GET …/{id}/images.zip: the stored images, streamed file by file, with an exact Content-Length. */
  void zip(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    ImageArchive archive = opened(ctx);
    if (archive == null) {
      return;
    }
    archive.job(id, owner(ctx)).compose(job -> {
      if (job.isEmpty()) {
        throw GenerationRoutes.notFound();
      }
      return archive.images(id);
    }).onSuccess(images -> sendZip(ctx, archive, id, images)).onFailure(ctx::fail);
  }

  private void sendZip(RoutingContext ctx, ImageArchive archive, String id, List<StoredImage> images) {
    List<ZipStream.Entry> entries = images.stream().filter(image -> image.status() == StorageStatus.STORED)
      .map(image -> new ZipStream.Entry(String.format("seedstream-%02d.%s", image.index() + 1, image.format()),
        image))
      .toList();
    HttpServerResponse response = ctx.response();
    response.putHeader("Content-Type", "application/zip")
      .putHeader("Content-Disposition", "attachment; filename=\"seedstream-" + id + ".zip\"")
      .putHeader("Content-Length", String.valueOf(ZipStream.length(entries)));
    ZipStream.write(archive, entries, response).onSuccess(v -> response.end()).onFailure(e -> {
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
}
