package dev.seedstream.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The machine-readable contract, {@code GET /api/openapi.json} and {@code GET /api/asyncapi.json}. The
 * documents are written by hand in YAML ({@code docs/}, packed into the jar by the build) and converted to
 * JSON once at start-up, so a request costs nothing and the gateway serves the contract it was built with.
 */
final class ContractDocuments {

  static final String OPENAPI_PATH = "/api/openapi.json";
  static final String ASYNCAPI_PATH = "/api/asyncapi.json";

  private final Buffer openApi;
  private final Buffer asyncApi;

  private ContractDocuments(Buffer openApi, Buffer asyncApi) {
    this.openApi = openApi;
    this.asyncApi = asyncApi;
  }

  static ContractDocuments load() {
    return new ContractDocuments(toJson("contract/openapi.yaml"), toJson("contract/asyncapi.yaml"));
  }

  void openApi(RoutingContext ctx) {
    send(ctx, openApi);
  }

  void asyncApi(RoutingContext ctx) {
    send(ctx, asyncApi);
  }

  private static void send(RoutingContext ctx, Buffer document) {
    ctx.response().putHeader("Content-Type", "application/json; charset=utf-8")
      .putHeader("Cache-Control", "no-cache")
      .end(document);
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
