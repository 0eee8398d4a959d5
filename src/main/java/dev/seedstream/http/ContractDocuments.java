package dev.seedstream.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The machine-readable contract, {@code GET /api/openapi.json} and {@code GET /api/asyncapi.json}. The
 * documents are written by hand in YAML ({@code docs/}, packed into the jar by the build), so the gateway
 * serves the contract it was built with, and each is converted to JSON once, when it is first asked for, on a
 * worker thread: done at start-up, the conversion (about 60 KB of YAML through a parser not compiled yet) took
 * 80-260 ms of the time to the first request served.
 */
final class ContractDocuments {

  static final String OPENAPI_PATH = "/api/openapi.json";
  static final String ASYNCAPI_PATH = "/api/asyncapi.json";

  private final Vertx vertx;
  /** Each document once converted, or being converted; null until first asked for. Used on the event loop only. */
  private Future<Buffer> openApi;
  private Future<Buffer> asyncApi;

  ContractDocuments(Vertx vertx) {
    this.vertx = vertx;
  }

  void openApi(RoutingContext ctx) {
    if (openApi == null) {
      openApi = convert("contract/openapi.yaml");
    }
    send(ctx, openApi);
  }

  void asyncApi(RoutingContext ctx) {
    if (asyncApi == null) {
      asyncApi = convert("contract/asyncapi.yaml");
    }
    send(ctx, asyncApi);
  }

  private Future<Buffer> convert(String resource) {
    return vertx.executeBlocking(() -> toJson(resource), false);
  }

  private static void send(RoutingContext ctx, Future<Buffer> document) {
    document.onSuccess(json -> ctx.response().putHeader("Content-Type", "application/json; charset=utf-8")
      .putHeader("Cache-Control", "no-cache")
      .end(json)).onFailure(ctx::fail);
  }

  private static Buffer toJson(String resource) {
    try (InputStream in = ContractDocuments.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(resource + " is missing from the class path; the build packs it from docs/");
      }
      Object document = new ObjectMapper(new YAMLFactory()).readValue(in, Object.class);
      return Buffer.buffer(new ObjectMapper().writeValueAsBytes(document));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    }
  }
}
