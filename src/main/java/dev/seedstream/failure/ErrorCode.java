package dev.seedstream.failure;

/**
 * The contract's error codes, each with everything a client is told about it: the name on the wire, the HTTP
 * status when the error answers a request, whether retrying can help, and the upstream's own code that the
 * drop-in endpoint's envelope carries instead (SDK users switch on that one). Every layer names a failure
 * with one of these, so a code's status and meaning are decided here and nowhere else.
 */
public enum ErrorCode {

  INVALID_REQUEST("invalid_request", 400, false, "InvalidParameter"),
  UNAUTHORIZED("unauthorized", 401, false, "AuthenticationError"),
  CROSS_SITE_REFUSED("cross_site_refused", 403, false, null),
  NOT_FOUND("not_found", 404, false, null),
  METHOD_NOT_ALLOWED("method_not_allowed", 405, false, null),
  PAYLOAD_TOO_LARGE("payload_too_large", 413, false, null),
  UNSUPPORTED_MEDIA_TYPE("unsupported_media_type", 415, false, null),
  MISDIRECTED_REQUEST("misdirected_request", 421, false, null),
  IDEMPOTENCY_KEY_REUSED("idempotency_key_reused", 422, false, null),
  RATE_LIMITED("rate_limited", 429, true, "RateLimitExceeded"),
  /** A client token's daily or monthly budget cannot cover the request's worst case; waiting for the reset helps. */
  BUDGET_EXCEEDED("budget_exceeded", 429, false, null),
  INTERNAL_ERROR("internal_error", 500, false, null),
  OVERLOADED("overloaded", 503, true, "ServerOverloaded"),
  SHUTTING_DOWN("shutting_down", 503, true, "ServerOverloaded"),
  /** The cluster node running a job was lost; what it delivered stays replayable from the others. */
  NODE_LOST("node_lost", 503, true, "ServerOverloaded"),
  /** A stored image whose file is still being written. */
  NOT_READY("not_ready", 503, true, null),

  UPSTREAM_REJECTED("upstream_rejected", 400, false, null),
  UPSTREAM_RATE_LIMITED("upstream_rate_limited", 429, true, null),
  UPSTREAM_AUTH("upstream_auth", 502, false, null),
  UPSTREAM_UNAVAILABLE("upstream_unavailable", 502, true, "InternalServiceError"),
  UPSTREAM_TIMEOUT("upstream_timeout", 504, true, "RequestTimeout"),
  UPSTREAM_PROTOCOL("upstream_protocol", 502, false, null),
  UPSTREAM_TRUNCATED("upstream_truncated", 502, true, null);

  private final String wire;
  private final int httpStatus;
  private final boolean retryable;
  private final String envelopeCode;

  ErrorCode(String wire, int httpStatus, boolean retryable, String envelopeCode) {
    this.wire = wire;
    this.httpStatus = httpStatus;
    this.retryable = retryable;
    this.envelopeCode = envelopeCode == null ? wire : envelopeCode;
  }

  /** The code as clients read it, in {@code error.code} and in the {@code error} event. */
  public String wire() {
    return wire;
  }

  /** The status of an answer that carries this code. */
  public int httpStatus() {
    return httpStatus;
  }

  /** Whether the same request may succeed later; the default of an {@code error} event's {@code retryable}. */
  public boolean retryable() {
    return retryable;
  }

  /** The {@code code} of the drop-in endpoint's envelope: the upstream's code meaning the same, else {@link #wire()}. */
  public String envelopeCode() {
    return envelopeCode;
  }

  @Override
  public String toString() {
    return wire;
  }
}
