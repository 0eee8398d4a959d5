package dev.seedstream.simulator;

/**
 * An error exactly as Ark words it (docs/upstream-protocol.md §6): HTTP status, Ark code, the
 * sentence without its request id, and the {@code type} field. {@link UpstreamDialect} turns it
 * into the Ark or the new-api envelope; {@code relayLocal} marks errors DMXAPI raises itself
 * (a bad token) rather than passes through from Ark.
 */
final class UpstreamError extends RuntimeException {

  static final String SENSITIVE_OUTPUT = "OutputImageSensitiveContentDetected";
  static final String SENSITIVE_OUTPUT_MESSAGE =
    "The request failed because the output image may contain sensitive information.";
  private static final String INTERNAL_MESSAGE = "The service encountered an unexpected internal error.";

  private final int status;
  private final String code;
  private final String type;
  private final boolean relayLocal;

  private UpstreamError(int status, String code, String message, String type, boolean relayLocal) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.type = type;
    this.relayLocal = relayLocal;
  }

  static UpstreamError of(int status, String code, String message, String type) {
    return new UpstreamError(status, code, message, type, false);
  }

  static UpstreamError arkUnauthorized() {
    return of(401, "AuthenticationError", "the API key or AK/SK in the request is missing or invalid.",
      "Unauthorized");
  }

  /** new-api's own answer to a bad token; the message is what Chinese builds of DMXAPI send. */
  static UpstreamError relayUnauthorized() {
    return new UpstreamError(401, "", "无效的令牌", "new_api_error", true);
  }

  static UpstreamError modelNotFound(String model) {
    return of(404, "InvalidEndpointOrModel.NotFound",
      "The model or endpoint " + model + " does not exist or you do not have access to it.", "Not Found");
  }

  /** Ark's wording does not name the parameter, so neither do we. */
  static UpstreamError missingParameter() {
    return of(400, "MissingParameter",
      "The request failed because it is missing one or multiple required parameters.", "");
  }

  static UpstreamError invalidParameter(String name) {
    return of(400, "InvalidParameter", "The parameter `" + name + "` specified in the request is not valid.", "");
  }

  static UpstreamError invalidParameter(String name, String reason) {
    return of(400, "InvalidParameter",
      "The parameter `" + name + "` specified in the request is not valid: " + reason + ".", "");
  }

  static UpstreamError internal() {
    return of(500, "InternalServiceError", INTERNAL_MESSAGE, "InternalServerError");
  }

  /** The error the {@code failRequestStatus} knob answers with, worded per status class. */
  static UpstreamError forStatus(int status) {
    return switch (status) {
      case 400 -> invalidParameter("prompt");
      case 401 -> arkUnauthorized();
      case 403 -> of(403, "AccessDenied",
        "The request failed because you do not have access to the requested resource.", "Forbidden");
      case 404 -> modelNotFound("doubao-seedream");
      case 429 -> of(429, "ModelAccountIpmRateLimitExceeded",
        "IPM (Images Per Minute) limit of the model is exceeded. Please try again later.", "TooManyRequests");
      case 503 -> of(503, "ServerOverloaded", "The service is currently unable to handle additional requests "
        + "due to server overload. Please try again later.", "ServiceUnavailable");
      default -> status < 500
        ? of(status, "BadRequest", "The request failed.", "")
        : of(status, "InternalServiceError", INTERNAL_MESSAGE, "InternalServerError");
    };
  }

  int status() {
    return status;
  }

  String code() {
    return code;
  }

  String type() {
    return type;
  }

  boolean relayLocal() {
    return relayLocal;
  }

  /** The message as Ark sends it: the sentence followed by the request id. */
  String arkMessage(String requestId) {
    return getMessage() + " Request id: " + requestId;
  }
}
