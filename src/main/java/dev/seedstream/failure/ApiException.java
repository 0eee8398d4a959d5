package dev.seedstream.failure;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.List;

/**
 * A failure that already knows how it looks to a client: its {@link ErrorCode} (which fixes the HTTP status),
 * message, and for {@code invalid_request} every violation. Thrown by any layer before a stream starts;
 * {@link #toJson()} is the one place the error body is shaped.
 */
public class ApiException extends RuntimeException {

  /** Violations listed in one answer; the rest are counted, so that no request can make the answer huge. */
  public static final int MAX_LISTED_VIOLATIONS = 50;

  private final ErrorCode code;
  private final List<Violation> violations;
  private final Long retryAfterSeconds;
  private final int omittedViolations;
  private final JsonObject details;

  public ApiException(ErrorCode code, String message) {
    this(code, message, null);
  }

  /** {@code retryAfterSeconds} becomes a {@code Retry-After} header; null when retrying will not help. */
  public ApiException(ErrorCode code, String message, Long retryAfterSeconds) {
    this(code, message, List.of(), retryAfterSeconds, new JsonObject());
  }

  private ApiException(ErrorCode code, String message, List<Violation> violations, Long retryAfterSeconds,
                       JsonObject details) {
    super(message, null, false, false);
    this.code = code;
    this.violations = List.copyOf(violations.subList(0, Math.min(violations.size(), MAX_LISTED_VIOLATIONS)));
    this.omittedViolations = violations.size() - this.violations.size();
    this.retryAfterSeconds = retryAfterSeconds;
    this.details = details;
  }

  public static ApiException invalid(List<Violation> violations) {
    String message = violations.size() == 1
      ? violations.get(0).field() + ": " + violations.get(0).message()
      : violations.size() > MAX_LISTED_VIOLATIONS
      ? violations.size() + " problems in the request; the first " + MAX_LISTED_VIOLATIONS + " are listed"
      : violations.size() + " problems in the request";
    return new ApiException(ErrorCode.INVALID_REQUEST, message, violations, null, new JsonObject());
  }

  /** A copy whose error object also carries {@code name}, such as the limit a 413 refers to. */
  public ApiException withDetail(String name, Object value) {
    return new ApiException(code, getMessage(), violations, retryAfterSeconds, details.copy().put(name, value));
  }

  public int status() {
    return code.httpStatus();
  }

  /** The code as clients read it. */
  public String code() {
    return code.wire();
  }

  public ErrorCode errorCode() {
    return code;
  }

  public List<Violation> violations() {
    return violations;
  }

  /** Seconds for a {@code Retry-After} header, or null when retrying will not help. */
  public Long retryAfterSeconds() {
    return retryAfterSeconds;
  }

  public JsonObject toJson() {
    JsonObject error = new JsonObject().put("code", code.wire()).put("message", getMessage());
    if (!violations.isEmpty()) {
      JsonArray list = new JsonArray();
      violations.forEach(v -> list.add(new JsonObject().put("field", v.field()).put("message", v.message())));
      error.put("violations", list);
    }
    if (omittedViolations > 0) {
      error.put("violations_omitted", omittedViolations);
    }
    details.forEach(detail -> error.put(detail.getKey(), detail.getValue()));
    return new JsonObject().put("error", error);
  }
}
