package dev.seedstream.failure;

import io.vertx.core.json.JsonObject;

/**
 * The upstream's own error shape, {@code {"error":{"code","message","param","type"}}}, for answers of the
 * drop-in endpoint: official SDKs parse exactly this. {@code code} is the upstream's code where one means
 * the same (so SDK users can keep switching on it); {@code type} is always the gateway's contract code.
 */
public final class ErrorEnvelope {

  private ErrorEnvelope() {
  }

  public static JsonObject of(ErrorCode code, String message, String param) {
    return new JsonObject().put("error", new JsonObject()
      .put("code", code.envelopeCode())
      .put("message", message)
      .put("param", param == null ? "" : param)
      .put("type", code.wire()));
  }
}
