package dev.seedstream.simulator;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

import java.util.function.Supplier;

/**
 * {@code POST …/images/generations} in one dialect: check the key, validate like the real upstream,
 * apply the request-failure knob, then run the generation as a stream or as one JSON body.
 */
final class GenerationEndpoint implements Handler<RoutingContext> {

  private final Vertx vertx;
  private final SimulatorOptions options;
  private final UpstreamDialect dialect;
  private final GenerationRegistry registry;
  private final ImageRelease release;
  private final ImageGallery gallery;
  private final Supplier<String> baseUrl;

  GenerationEndpoint(Vertx vertx, SimulatorOptions options, UpstreamDialect dialect, GenerationRegistry registry,
                     ImageRelease release, ImageGallery gallery, Supplier<String> baseUrl) {
    this.vertx = vertx;
    this.options = options;
    this.dialect = dialect;
    this.registry = registry;
    this.release = release;
    this.gallery = gallery;
    this.baseUrl = baseUrl;
  }

  @Override
  public void handle(RoutingContext ctx) {
    registry.requestReceived();
    String requestId = RequestIds.ark();
    try {
      dialect.authorize(ctx.request().getHeader(HttpHeaders.AUTHORIZATION), options.apiKey());
      GenerationRequest request = GenerationRequest.parse(ctx.body().buffer());
      registry.referencesReceived(request.references());
      refuseOnDemand();
      start(ctx.response(), request, requestId);
    } catch (UpstreamError error) {
      dialect.sendError(ctx.response(), error, requestId);
    }
  }

  private void refuseOnDemand() {
    int status = options.failRequestStatus();
    if (status == 401) {
      throw dialect.unauthorized();
    }
    if (status != 0) {
      throw UpstreamError.forStatus(status);
    }
  }

  private void start(HttpServerResponse response, GenerationRequest request, String requestId) {
    GenerationReply reply = request.stream()
      ? new EventStreamReply(response, request.model(), requestId, options.crlf())
      : new JsonBodyReply(response, dialect, request.model(), requestId);
    Generation generation = new Generation(vertx, options, request, requestId, registry.nextSequence(),
      release, gallery, baseUrl.get(), reply);
    registry.track(generation, response);
    generation.start();
  }
}
