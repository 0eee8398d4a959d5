package dev.seedstream.upstream;

import io.vertx.core.json.JsonObject;

/**
 * The upstream's own error shape, {@code {"error":{"code","message","param","type"}}}, for answers of the
 * drop-in endpoint: official SDKs parse exactly this. {@code code} is the upstream's code where one means
 * the same (so SDK users can keep switching on it); {@code type} is always the gateway's contract code.
 */
public final class ErrorEnvelope {

  private ErrorEnvelope() {
  }

  public static JsonObject of(String contractCode, String message, String param) {
    return new JsonObject().put("error", new JsonObject()
      .put("code", upstreamCode(contractCode))
      .put("message", message)
      .put("param", param == null ? "" : param)
      .put("type", contractCode));
  }

  static String upstreamCode(String contractCode) {
    return switch (contractCode) {
      case "invalid_request" -> "InvalidParameter";
      case "unauthorized" -> "AuthenticationError";
      case "rate_limited" -> "RateLimitExceeded";
      case "overloaded", "shutting_down" -> "ServerOverloaded";
      case "upstream_timeout" -> "RequestTimeout";
      case "upstream_unavailable" -> "InternalServiceError";
      default -> contractCode;
    };
  }
}
