package dev.seedstream.http;

import dev.seedstream.job.JobRegistry;
import dev.seedstream.upstream.UpstreamClient;
import dev.seedstream.validation.RequestValidator;
import dev.seedstream.validation.ValidatedRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code POST /v1/images/generations}, the README's drop-in endpoint: the upstream's
 * own request, checked by the same validator as {@code /api} (so a bad request costs nothing), sent with
 * the gateway's key, and answered exactly as the upstream answers. No job is kept: the call counts
 * against the client's limits while it runs, and its upstream call ends when the client goes away.
 */
final class V1Routes {

  private final RequestValidator validator;
  private final JobRegistry jobs;
  private final UpstreamClient upstream;

  V1Routes(RequestValidator validator, JobRegistry jobs, UpstreamClient upstream) {
    this.validator = validator;
    this.jobs = jobs;
    this.upstream = upstream;
  }

  void generate(RoutingContext ctx) {
    // map, not onSuccess: a limit refusal thrown while admitting the call must reach the error answer.
    GenerationRoutes.validate(ctx, validator).map(request -> relay(ctx, request)).onFailure(ctx::fail);
  }

  private Void relay(RoutingContext ctx, ValidatedRequest request) {
    if (ctx.response().closed()) {
      return null; // the client left while its images were checked
    }
    JsonObject body = ctx.get(JsonBodyReader.BODY);
    // The validator always asks for a stream (the job API needs one); here the client's choice decides.
    boolean stream = Boolean.TRUE.equals(body.getValue("stream"));
    JobRegistry.Relay admitted = jobs.admitRelay(ClientAccess.caller(ctx).key(), request);
    JsonObject upstreamBody = request.upstreamBody().copy().put("stream", stream);
    upstream.relay(upstreamBody, stream, ctx.response())
      .onComplete(ar -> admitted.release(ctx.response().getStatusCode() / 100 == 2));
    return null;
  }
}
