package dev.seedstream.http;

import dev.seedstream.failure.ApiException;
import dev.seedstream.failure.ErrorCode;
import dev.seedstream.failure.Violation;
import dev.seedstream.job.Job;
import dev.seedstream.job.JobRegistry;
import dev.seedstream.job.RemoteJob;
import dev.seedstream.sse.SseResponse;
import dev.seedstream.validation.RequestValidator;
import dev.seedstream.validation.ValidatedRequest;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.logging.Logger;

/** The job API of the README's "API" section: create, stream, inspect and cancel generations. */
final class GenerationRoutes {

  private static final Logger LOG = Logger.getLogger(GenerationRoutes.class.getName());
  // About a quarter of a megabyte of base64: below it, checking the images takes well under a millisecond.
  private static final long OFF_LOOP_IMAGE_CHARS = 256 * 1024;

  private final RequestValidator validator;
  private final JobRegistry jobs;
  private final ClientAccess access;
  private final HistoryRoutes history;
  private final long heartbeatMs;

  /**
   * {@code history} null: images and past jobs are not kept ({@code SEEDSTREAM_STORE_IMAGES=false});
   * {@code heartbeatMs}: the {@code : ping} interval of the event streams this route opens.
   */
  GenerationRoutes(RequestValidator validator, JobRegistry jobs, ClientAccess access, HistoryRoutes history,
                   long heartbeatMs) {
    this.validator = validator;
    this.jobs = jobs;
    this.access = access;
    this.history = history;
    this.heartbeatMs = heartbeatMs;
  }

  /** POST /api/generations: validate everything first, so a bad request costs nothing upstream. */
  void create(RoutingContext ctx) {
    // map, not onSuccess: a refusal thrown while starting (limits, Idempotency-Key) must reach the error answer.
    Future<ValidatedRequest> validated = validate(ctx, validator);
    // The routing context lasts as long as the response, an event stream's whole life; from here on the
    // validated request is all that is needed of the body.
    ctx.remove(JsonBodyReader.BODY);
    validated.map(request -> start(ctx, request)).onFailure(ctx::fail);
  }

  private Void start(RoutingContext ctx, ValidatedRequest request) {
    // query() first: asking for a parameter builds the request's parameter map, which lasts as long as the response.
    if (ctx.request().query() != null && "true".equals(ctx.request().getParam("dry_run"))) {
      sendJson(ctx, 200, dryRun(request));
      return null;
    }
    if (ctx.response().closed()) {
      return null; // the client left while its images were checked: start nothing it would pay for
    }
    String client = ClientAccess.caller(ctx).key();
    if (wantsEventStream(ctx)) {
      // Before the upstream call: a stream that would be refused must not leave a paid job behind.
      jobs.admitListener(null, client);
    }
    jobs.start(request, client, idempotencyKey(ctx)).onSuccess(started -> {
      if (started.local() != null) {
        LOG.info("job " + started.id() + " started: model=" + request.model() + " images<=" + request.requestedImages());
      }
      if (wantsEventStream(ctx)) {
        SseResponse out = new SseResponse(ctx.vertx(), ctx.response(), heartbeatMs);
        if (started.local() != null) {
          jobs.attach(started.local(), out, 0, client);
        } else {
          jobs.attachRemote(started.remote(), out, 0, client);
        }
        return;
      }
      List<String> warnings = started.local() != null ? started.local().warnings() : request.warnings();
      // In a cluster the answer waits for the job's record, so the client may take its events_url to any node.
      Future<Void> known = started.local() != null ? started.local().recorded() : Future.succeededFuture();
      known.onComplete(v -> {
        String status = started.local() != null ? started.local().status().wireName() : started.remote().status();
        ctx.response().putHeader("Location", access.link("/api/generations/" + started.id()));
        sendJson(ctx, 202, new JsonObject().put("id", started.id()).put("status", status)
          .put("events_url", access.eventsUrl(started.id())).put("warnings", new JsonArray(new ArrayList<>(warnings)))
          .put("estimate", estimate(request)));
      });
    }).onFailure(ctx::fail);
    return null;
  }

  /**
   * Checks the body {@link JsonBodyReader} read. A request with inline images is checked on a worker thread:
   * decoding and inspecting megabytes of base64 would hold the event loop, and every stream on it, for that long.
   */
  static Future<ValidatedRequest> validate(RoutingContext ctx, RequestValidator validator) {
    JsonObject body = ctx.get(JsonBodyReader.BODY);
    long imageChars = ctx.get(JsonBodyReader.IMAGE_CHARS, 0L);
    if (imageChars < OFF_LOOP_IMAGE_CHARS) {
      return Future.future(done -> done.complete(validator.validate(body)));
    }
    return ctx.vertx().executeBlocking(() -> validator.validate(body), false);
  }

  /** GET …/{id}/events: replay after Last-Event-ID, then live. */
  void events(RoutingContext ctx) {
    Optional<Job> live = live(ctx);
    if (live.isEmpty() && jobs.clustered()) {
      // An unknown job is 404 before its Last-Event-ID is looked at, as on a single node.
      remote(ctx).map(job -> {
        long after = lastEventId(ctx);
        if (!job.running() && after >= job.lastEventId()) {
          ctx.response().setStatusCode(204).end();
        } else {
          jobs.attachRemote(job, new SseResponse(ctx.vertx(), ctx.response(), heartbeatMs), after, ClientAccess.caller(ctx).key());
        }
        return null;
      }).onFailure(ctx::fail);
      return;
    }
    Job job = live.orElseThrow(GenerationRoutes::notFound);
    long after = lastEventId(ctx);
    if (job.ended() && after >= job.lastEventId()) {
      // The client has everything, terminal event included; 204 is what stops EventSource reconnecting.
      ctx.response().setStatusCode(204).end();
      return;
    }
    jobs.attach(job, new SseResponse(ctx.vertx(), ctx.response(), heartbeatMs), after, ClientAccess.caller(ctx).key());
  }

  /**
   * GET …/{id}: a live job's snapshot, always with a signed {@code events_url} (a page that lost its stream
   * reopens it from here), and with each image's storage state when images are kept; a past job from the
   * history; else 404.
   */
  void snapshot(RoutingContext ctx) {
    Optional<Job> live = live(ctx);
    if (live.isEmpty() && jobs.clustered()) {
      remote(ctx).onSuccess(job -> {
        JsonObject snapshot = job.snapshot().put("events_url", access.eventsUrl(job.id()));
        if (history == null) {
          sendJson(ctx, 200, snapshot);
        } else {
          history.addStorage(job.id(), snapshot).onComplete(v -> sendJson(ctx, 200, snapshot));
        }
      }).onFailure(e -> {
        if (history != null && e instanceof ApiException api && api.errorCode() == ErrorCode.NOT_FOUND) {
          history.pastSnapshot(ctx, ctx.pathParam("id"));
        } else {
          ctx.fail(e);
        }
      });
      return;
    }
    if (live.isEmpty()) {
      if (history == null) {
        ctx.fail(notFound());
      } else {
        history.pastSnapshot(ctx, ctx.pathParam("id"));
      }
      return;
    }
    JsonObject snapshot = live.get().snapshot().put("events_url", access.eventsUrl(live.get().id()));
    if (history == null) {
      sendJson(ctx, 200, snapshot);
    } else {
      history.addStorage(live.get().id(), snapshot).onComplete(v -> sendJson(ctx, 200, snapshot));
    }
  }

  /**
   * DELETE …/{id}: a running job is cancelled, its upstream call aborted at once, and the images already
   * delivered stay in the log. A finished one is deleted with its images when they are kept; without the
   * store it is left to expire, and its snapshot is the answer.
   */
  void cancel(RoutingContext ctx) {
    Optional<Job> live = live(ctx);
    if (live.isEmpty() && jobs.clustered()) {
      remote(ctx).onSuccess(job -> {
        if (job.running()) {
          jobs.cancelRemote(job).onSuccess(snapshot -> sendJson(ctx, 200, snapshot)).onFailure(ctx::fail);
        } else if (history != null) {
          jobs.forgetRemote(job);
          history.deletePast(ctx, job.id(), true);
        } else {
          sendJson(ctx, 200, job.snapshot());
        }
      })
        .onFailure(e -> {
          if (history != null && e instanceof ApiException api && api.errorCode() == ErrorCode.NOT_FOUND) {
            history.deletePast(ctx, ctx.pathParam("id"), false);
          } else {
            ctx.fail(e);
          }
        });
      return;
    }
    boolean running = live.isPresent() && live.get().status() == dev.seedstream.job.JobStatus.RUNNING;
    if (!running && history != null) {
      history.deletePast(ctx, ctx.pathParam("id"), live.isPresent());
      return;
    }
    Job job = live.orElseThrow(GenerationRoutes::notFound);
    if (job.cancel("cancelled_by_client")) {
      LOG.info("job " + job.id() + " cancelled by client");
    }
    sendJson(ctx, 200, job.snapshot());
  }

  /** The registry's job if the caller may use it: another client's job is treated as an unknown one. */
  private Optional<Job> live(RoutingContext ctx) {
    return jobs.find(ctx.pathParam("id")).filter(ClientAccess.caller(ctx)::mayUse);
  }

  /** The cluster's record of a job no node here runs, if the caller may use it; else 404 as for an unknown job. */
  private Future<RemoteJob> remote(RoutingContext ctx) {
    Caller caller = ClientAccess.caller(ctx);
    return jobs.remote(ctx.pathParam("id")).compose(job -> job != null && caller.mayUse(job.id(), job.clientKey())
      ? Future.succeededFuture(job) : Future.failedFuture(notFound()));
  }

  static ApiException notFound() {
    return new ApiException(ErrorCode.NOT_FOUND, "no such job; it may have expired");
  }

  /** Another client's job answers exactly like an unknown one: its existence is not disclosed. */
  private Job find(RoutingContext ctx) {
    return live(ctx).orElseThrow(GenerationRoutes::notFound);
  }

  private static long lastEventId(RoutingContext ctx) {
    String header = ctx.request().getHeader("Last-Event-ID");
    if (header == null || header.isBlank()) {
      return 0;
    }
    try {
      long id = Long.parseLong(header.trim());
      if (id >= 0) {
        return id;
      }
    } catch (NumberFormatException e) {
      // fall through to the error below
    }
    throw ApiException.invalid(List.of(new Violation("Last-Event-ID", "must be a non-negative event id")));
  }

  private static JsonObject dryRun(ValidatedRequest request) {
    return new JsonObject()
      .put("upstream_request", abbreviated(request.upstreamBody()))
      .put("estimate", estimate(request))
      .put("warnings", new JsonArray(new ArrayList<>(request.warnings())));
  }

  /** The worst case: images, tokens and, when the catalogue prices the model, money ({@code cost.max}). */
  private static JsonObject estimate(ValidatedRequest request) {
    JsonObject estimate = new JsonObject().put("max_images", request.estimate().maxImages())
      .put("max_output_tokens", request.estimate().maxOutputTokens());
    request.maxCost().ifPresent(cost -> estimate.put("cost", cost.toJson("max")));
    return estimate;
  }

  /** Inline images are shown by type and size only: a dry run answer stays small and readable. */
  private static JsonObject abbreviated(JsonObject body) {
    JsonObject copy = body.copy();
    Object image = copy.getValue("image");
    if (image instanceof String s) {
      copy.put("image", abbreviate(s));
    } else if (image instanceof JsonArray list) {
      JsonArray shortList = new JsonArray();
      list.forEach(item -> shortList.add(item instanceof String s ? abbreviate(s) : item));
      copy.put("image", shortList);
    }
    return copy;
  }

  private static String abbreviate(String image) {
    int comma = image.indexOf(',');
    if (!image.startsWith("data:") || comma < 0) {
      return image;
    }
    return image.substring(0, comma + 1) + "…(" + (image.length() - comma - 1) + " base64 chars)";
  }

  private static String idempotencyKey(RoutingContext ctx) {
    String key = ctx.request().getHeader("Idempotency-Key");
    if (key == null) {
      return null;
    }
    if (key.isBlank() || key.length() > 200) {
      throw ApiException.invalid(List.of(new Violation("Idempotency-Key", "must be 1 to 200 characters")));
    }
    return key;
  }

  private static boolean wantsEventStream(RoutingContext ctx) {
    String accept = ctx.request().getHeader("Accept");
    return accept != null && accept.contains("text/event-stream");
  }

  static void sendJson(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status)
      .putHeader("Content-Type", "application/json; charset=utf-8")
      .end(body.encode());
  }
}
